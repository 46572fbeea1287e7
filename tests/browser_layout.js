// The layout checks of tests/browser.py (layout_problems): one function, run by
// page.evaluate, returning what a reader would see wrong, in words. Each problem names what
// a person would look for: the element (tag#id.class "first words" (in "section heading")),
// or the chart by its number and its section's heading.
() => {
  const problems = [];
  const tol = 1;
  const vw = document.documentElement.clientWidth;   // without a vertical scrollbar
  const words = (s, n) => {
    const w = (s || '').replace(/\s+/g, ' ').trim().split(' ');
    return w.slice(0, n).join(' ') + (w.length > n ? ' …' : '');
  };
  const sectionOf = (el) => {
    const sec = el.closest('section') || el.closest('figure, article, header, footer');
    if (!sec) return '';
    const h = sec.querySelector('h1, h2, h3, figcaption, caption');
    return h ? words(h.innerText, 8) : (sec.id || sec.tagName.toLowerCase());
  };
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    for (const c of el.classList || []) s += '.' + c;
    const text = words(el.innerText !== undefined ? el.innerText : el.textContent, 6);
    if (text) s += ' "' + text + '"';
    const where = sectionOf(el);
    if (where) s += ' (in "' + where + '")';
    return s;
  };
  const shown = (el) => {
    const st = getComputedStyle(el);
    return st.display !== 'none' && st.visibility !== 'hidden' && st.visibility !== 'collapse';
  };
  const px = (x) => Math.round(x);
  const all = [...document.body.querySelectorAll('*')];
  const svgRoots = [...document.body.querySelectorAll('svg')].filter(
    (s) => !s.parentElement.closest('svg'));

  // 1. Nothing wider than the viewport, nothing scrolling or cut off sideways.
  const docWidth = document.documentElement.scrollWidth;
  if (docWidth > window.innerWidth)
    problems.push(`page is ${docWidth} px wide in a ${window.innerWidth} px viewport`);
  for (const el of [document.documentElement, document.body, ...all]) {
    if (el instanceof SVGElement && el.tagName.toLowerCase() !== 'svg') continue;
    if (el.matches('td, th')) continue;   // a cell's own overflow: check 6
    const ox = getComputedStyle(el).overflowX;
    if (!['auto', 'scroll', 'hidden', 'clip'].includes(ox)) continue;
    // A box of a pixel is the visually-hidden pattern (text for screen readers only).
    if (el.clientWidth <= 1 || el.clientHeight <= 1) continue;
    if (el.scrollWidth > el.clientWidth + tol) {
      const how = ox === 'hidden' || ox === 'clip' ? 'cuts off' : 'scrolls sideways';
      problems.push(`${name(el)} ${how}: ${el.scrollWidth} px of content in ` +
                    `${el.clientWidth} px`);
    }
  }
  // 2. Nothing past the viewport's edges (only the outermost offender is named; what a
  // scrolling or clipping box holds is that box's problem, named above).
  const outside = new Set();
  const clipsX = (el) => !['visible', ''].includes(getComputedStyle(el).overflowX);
  const insideClip = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement)
      if (clipsX(a)) return true;
    return false;
  };
  for (const el of all) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    if (insideClip(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (!shown(el)) continue;
    const right = r.right + window.scrollX, left = r.left + window.scrollX;
    if (right > vw + tol || left < -tol) {
      outside.add(el);
      if (el.parentElement && outside.has(el.parentElement)) continue;
      problems.push(`${name(el)} sticks out of the ${vw} px viewport ` +
                    `(from ${px(left)} to ${px(right)} px)`);
    }
  }
  // 3. Every chart's drawing inside its box.
  const drawn = 'text, path, rect, use, image, line, polyline, polygon, circle, ellipse';
  const hiddenParts = 'clipPath, defs, mask, marker, pattern, symbol';
  svgRoots.forEach((svg, i) => {
    const chart = `chart ${i + 1} ("${sectionOf(svg) || 'no heading'}")`;
    const box = svg.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) {
      if (shown(svg)) problems.push(`${chart} has no size`);
      return;
    }
    let count = 0;
    for (const el of svg.querySelectorAll(drawn)) {
      if (el.closest(hiddenParts)) continue;
      if (!shown(el)) continue;
      const whole = el.getBoundingClientRect();
      if (whole.width === 0 && whole.height === 0) continue;
      // What a clip path hides is not drawn (a bar cut off by its axes: see clipped()).
      const r = visibleBox(el);
      if (r.right <= r.left || r.bottom <= r.top) continue;
      if (r.left < box.left - tol || r.top < box.top - tol ||
          r.right > box.right + tol || r.bottom > box.bottom + tol) {
        count += 1;
        if (count <= 5) {
          const g = el.closest('g[id]');
          const label = g ? (g.id + ' ' + svgText(g)).trim() : el.tagName;
          problems.push(`${chart}: ${label} is drawn outside the chart ` +
                        `(${px(r.left - box.left)},${px(r.top - box.top)} to ` +
                        `${px(r.right - box.left)},${px(r.bottom - box.top)} in a ` +
                        `${px(box.width)} x ${px(box.height)} box)`);
        }
      }
    }
    if (count > 5) problems.push(`${chart}: ${count - 5} more drawn outside the chart`);
    clipped(svg, chart);
    legendCovers(svg, chart);
    labelsOverlap(svg, chart);
  });
  // 4. No NaN, None, inf or null where a person reads: each word once, with how often,
  // where (the sections holding it) and the first place it shows.
  const missing = /\b(NaN|nan|None|inf|null)\b/g;
  const visible = document.body.innerText;
  const found = new Map();
  for (const m of visible.matchAll(missing)) {
    const f = found.get(m[0]) || {count: 0, at: m.index, where: new Map()};
    f.count += 1;
    found.set(m[0], f);
  }
  if (found.size) {
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      const node = walk.currentNode, el = node.parentElement;
      if (!el || el.closest('svg, script, style') || !shown(el)) continue;
      for (const m of node.nodeValue.matchAll(missing)) {
        const f = found.get(m[0]);
        if (!f) continue;
        const where = sectionOf(el) || 'page';
        f.where.set(where, (f.where.get(where) || 0) + 1);
      }
    }
  }
  for (const [word, f] of found) {
    const where = [...f.where].map(([w, n]) => `"${w}" (${n})`).join(', ');
    const context = visible.slice(Math.max(0, f.at - 40), f.at + 20).replace(/\s+/g, ' ');
    problems.push(`visible text shows "${word}" ${f.count} time${f.count > 1 ? 's' : ''}` +
                  `${where ? ' in ' + where : ''}, first: "…${context}…"`);
  }
  // 5. No code names (snake_case) in headings, table headers, captions or chart text ...
  const snake = /\b[a-z0-9]+_[a-z0-9_]+\b/g;
  const labels = 'h1, h2, h3, h4, th, caption, figcaption, legend, label';
  const seenLabel = new Set();
  const codeNames = (where, text) => {
    for (const m of (text || '').matchAll(snake)) {
      // An id with a number part (cus_0323) is a customer's name, data; not a code name.
      if (m[0].split('_').some((part) => /^[0-9]+$/.test(part))) continue;
      const key = where + m[0];
      if (seenLabel.has(key)) continue;
      seenLabel.add(key);
      problems.push(`${where} reads as code: "${m[0]}"`);
    }
  };
  for (const el of document.body.querySelectorAll(labels)) {
    if (!shown(el) || el.closest('svg')) continue;
    codeNames(`${el.tagName.toLowerCase()} "${words(el.innerText, 6)}"`, el.innerText);
  }
  svgRoots.forEach((svg, i) => {
    codeNames(`chart ${i + 1} ("${sectionOf(svg) || 'no heading'}") label`, svgText(svg));
  });
  // ... nor in the report's sentences, outside code, links and file names.
  for (const el of document.body.querySelectorAll('p, li, dt, dd')) {
    if (!shown(el) || el.closest('svg')) continue;
    const prose = el.cloneNode(true);
    for (const c of prose.querySelectorAll('code, kbd, samp, var, a, p, li, dt, dd')) c.remove();
    const text = prose.textContent.replace(/\b[\w.-]+\.[a-z]{2,5}\b/g, ' ');   // file.csv
    codeNames(`${el.tagName.toLowerCase()} "${words(el.innerText, 6)}"`, text);
  }
  // 6. No text running out of its table cell, and no value broken across lines inside one
  // ("2024-" over "01"): a word of a cell on two lines.
  let broken = 0;
  for (const cell of document.body.querySelectorAll('td, th')) {
    if (!shown(cell)) continue;
    if (cell.scrollWidth > cell.clientWidth + tol) {
      problems.push(`${name(cell)} overflows its cell: ${cell.scrollWidth} px of text in ` +
                    `${cell.clientWidth} px`);
    }
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      const node = walk.currentNode;
      for (const m of node.nodeValue.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0)
                               .map((r) => Math.round(r.top)));
        if (tops.size > 1) {
          broken += 1;
          if (broken <= 5)
            problems.push(`${name(cell)} breaks "${m[0]}" across ${tops.size} lines`);
        }
      }
    }
  }
  if (broken > 5) problems.push(`${broken - 5} more values broken across lines in cells`);
  window.scrollTo({left: 0, top: 0, behavior: 'instant'});
  return problems;

  // The box, in viewport pixels, of the clip path (a rectangle: matplotlib clips to its axes)
  // set on an element, or null.
  function clipBox(el) {
    const ref = /url\(["']?#([^"')]+)["']?\)/.exec(el.getAttribute('clip-path') || '');
    const clip = ref && document.getElementById(ref[1]);
    const shape = clip && clip.querySelector('rect');
    if (!shape || !el.getScreenCTM) return null;
    const m = el.getScreenCTM();
    const b = shape.getBBox();
    const pts = [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height],
                 [b.x + b.width, b.y + b.height]].map(([x, y]) =>
                 new DOMPoint(x, y).matrixTransform(m));
    return {left: Math.min(...pts.map((p) => p.x)), right: Math.max(...pts.map((p) => p.x)),
            top: Math.min(...pts.map((p) => p.y)), bottom: Math.max(...pts.map((p) => p.y))};
  }

  // What is visible of an element: its box cut to the clip paths on it and its ancestors.
  function visibleBox(el) {
    let r = el.getBoundingClientRect();
    r = {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    for (let a = el; a && a.tagName.toLowerCase() !== 'svg'; a = a.parentElement) {
      const c = a.hasAttribute('clip-path') && clipBox(a);
      if (!c) continue;
      r = {left: Math.max(r.left, c.left), right: Math.min(r.right, c.right),
           top: Math.max(r.top, c.top), bottom: Math.min(r.bottom, c.bottom)};
    }
    return r;
  }

  // A drawn part named for a reader: its group's id and the x tick label under it
  // ("patch_4 at \"new\"").
  function partName(svg, part) {
    const g = part.closest('g[id]');
    const r = part.getBoundingClientRect();
    const x = (r.left + r.right) / 2;
    let best = null, gap = Infinity;
    for (const tick of svg.querySelectorAll('g[id^="xtick_"]')) {
      // The tick mark says where the label belongs (a rotated label's box is off to a side).
      const mark = tick.querySelector('g[id^="line2d_"]') || tick;
      const b = mark.getBoundingClientRect();
      const d = Math.abs((b.left + b.right) / 2 - x);
      if (b.width + b.height > 0 && d < gap) { gap = d; best = tick; }
    }
    const at = best && gap <= Math.max(r.width / 2, 4) ? ` at "${svgText(best)}"` : '';
    return (g ? g.id : part.tagName.toLowerCase()) + at;
  }

  // A clipped drawing (matplotlib clips data to its axes) must not reach past its clip:
  // a bar cut off at the top of the plot area is drawn, just not all of it.
  function clipped(svg, chart) {
    const seen = new Set();
    for (const el of svg.querySelectorAll('[clip-path]')) {
      if (el.closest(hiddenParts) || !shown(el)) continue;
      const c = clipBox(el);
      if (!c) continue;
      const parts = el.matches(drawn) ? [el] : [...el.querySelectorAll(drawn)];
      for (const part of parts) {
        const r = part.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        const cut = [];
        if (r.top < c.top - tol) cut.push('top');
        if (r.bottom > c.bottom + tol) cut.push('bottom');
        if (r.left < c.left - tol) cut.push('left');
        if (r.right > c.right + tol) cut.push('right');
        if (!cut.length) continue;
        const g = part.closest('g[id]');
        const key = (g ? g.id : '') + cut.join();
        if (seen.has(key)) continue;
        seen.add(key);
        if (seen.size <= 5)
          problems.push(`${chart}: ${partName(svg, part)} is cut off at the ` +
                        `${cut.join(' and ')} of its plot area (drawn ${px(r.top)}..` +
                        `${px(r.bottom)} px down, ${px(r.left)}..${px(r.right)} across; the ` +
                        `plot area ${px(c.top)}..${px(c.bottom)} and ` +
                        `${px(c.left)}..${px(c.right)})`);
      }
    }
    if (seen.size > 5) problems.push(`${chart}: ${seen.size - 5} more cut off`);
    headroom(svg, chart);
  }

  // A bar whose end meets the plot area's top reads as cut off, even when it fits to the
  // pixel (no headroom); unless every column does (a 100% stacked chart, by design).
  function headroom(svg, chart) {
    const byClip = new Map();
    for (const g of svg.querySelectorAll('g[id^="patch_"]')) {
      if (g.closest(hiddenParts + ', [id^="legend"]')) continue;
      for (const bar of g.querySelectorAll('path, rect')) {
        const holder = bar.closest('[clip-path]');
        if (!holder || !svg.contains(holder) || !shown(bar)) continue;
        const c = clipBox(holder), r = bar.getBoundingClientRect();
        if (!c || r.height <= 2 || r.width <= 2) continue;
        const key = holder.getAttribute('clip-path');
        if (!byClip.has(key)) byClip.set(key, {c, columns: new Map()});
        const column = Math.round((r.left + r.right) / 2);
        const col = byClip.get(key).columns.get(column) || [];
        col.push({id: partName(svg, bar), touches: Math.abs(r.top - c.top) <= tol});
        byClip.get(key).columns.set(column, col);
      }
    }
    for (const {columns} of byClip.values()) {
      const cols = [...columns.values()];
      const touching = cols.filter((col) => col.some((b) => b.touches));
      if (!touching.length || touching.length === cols.length) continue;
      const ids = touching.map((col) => col.find((b) => b.touches).id);
      problems.push(`${chart}: ${ids.slice(0, 5).join(', ')} reach${ids.length > 1 ? '' : 'es'}` +
                    ' the top of the plot area with no room above: read as cut off');
    }
  }

  // A legend must not hide data: sample its box every 3 px and ask the browser what is drawn
  // under each point (hit testing follows the real shapes, clip paths included).
  function legendCovers(svg, chart) {
    const isData = (el) => {
      if (!svg.contains(el) || el === svg || !el.matches(drawn)) return false;
      if (el.closest('[id^="legend"], [id^="matplotlib.axis"], [id^="text_"], [id^="xtick"], ' +
                     '[id^="ytick"]')) return false;
      const axes = el.closest('g[id^="axes_"]');
      if (!axes) return false;
      // The plot area's background and its frame (spines) are the first and last patches.
      const own = el.closest('g[id^="patch_"]');
      if (own) {
        const patches = [...axes.children].filter((c) => c.id.startsWith('patch_'));
        if (own === patches[0] || /^patch_/.test(own.id) &&
            getComputedStyle(el).fill === 'none' && !own.closest('[clip-path]') &&
            !el.hasAttribute('clip-path')) return false;
      }
      return true;
    };
    for (const legend of svg.querySelectorAll('g[id^="legend_"]')) {
      const frame = legend.querySelector('g[id^="patch_"] path, g[id^="patch_"] rect');
      if (!frame || !shown(legend)) continue;
      // Hit testing sees only the viewport: bring the legend into it first.
      const before = frame.getBoundingClientRect();
      window.scrollTo({left: 0, top: window.scrollY + before.top - 20, behavior: 'instant'});
      const r = frame.getBoundingClientRect();
      const hit = new Set();
      for (let y = r.top + 2; y < r.bottom - 1; y += 3) {
        for (let x = r.left + 2; x < r.right - 1; x += 3) {
          for (const el of document.elementsFromPoint(x, y)) {
            if (isData(el)) hit.add(partName(svg, el));
          }
        }
      }
      if (hit.size)
        problems.push(`${chart}: the legend covers data (${[...hit].slice(0, 6).join(', ')}` +
                      `${hit.size > 6 ? ' …' : ''})`);
    }
  }

  // No two labels of a chart on top of each other (tick labels crowding, a title over a
  // legend). Drawn as glyphs, each glyph's box is compared; as <text>, the text's box.
  function labelsOverlap(svg, chart) {
    const items = [];
    const groups = svg.querySelectorAll('g[id^="text_"]');
    for (const g of groups) {
      if (!shown(g)) continue;
      const boxes = [...g.querySelectorAll('use, path, text')].map((u) => u.getBoundingClientRect())
        .filter((b) => b.width > 0 && b.height > 0);
      if (boxes.length) items.push({label: svgText(g), boxes});
    }
    for (const t of svg.querySelectorAll('text')) {
      if (t.closest('g[id^="text_"]') || !shown(t)) continue;
      const b = t.getBoundingClientRect();
      if (b.width > 0 && b.height > 0) items.push({label: t.textContent, boxes: [b]});
    }
    const meet = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > tol &&
                           Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tol;
    const bound = (bs) => ({left: Math.min(...bs.map((b) => b.left)),
                            right: Math.max(...bs.map((b) => b.right)),
                            top: Math.min(...bs.map((b) => b.top)),
                            bottom: Math.max(...bs.map((b) => b.bottom))});
    items.forEach((it) => { it.all = bound(it.boxes); });
    let n = 0;
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const a = items[i], b = items[j];
        if (!meet(a.all, b.all)) continue;
        if (!a.boxes.some((x) => b.boxes.some((y) => meet(x, y)))) continue;
        n += 1;
        if (n <= 5) problems.push(`${chart}: labels "${words(a.label, 6)}" and ` +
                                  `"${words(b.label, 6)}" overlap`);
      }
    }
    if (n > 5) problems.push(`${chart}: ${n - 5} more pairs of labels overlap`);
  }

  // The text of a chart: <text> elements, and matplotlib's comments naming each text
  // drawn as glyph paths (svg.fonttype "path", its default).
  function svgText(root) {
    const out = [];
    for (const t of root.querySelectorAll('text')) out.push(t.textContent);
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_COMMENT);
    while (walk.nextNode()) out.push(walk.currentNode.nodeValue);
    return out.join(' ').replace(/\s+/g, ' ').trim();
  }
}
