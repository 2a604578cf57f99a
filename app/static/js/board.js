/* The projector board: sizes the journey so every stage and touchpoint shows at once, without
   scrolling and without breaking a word; pages through the stages when a map is too large to fit at a
   readable size; shows as many whole contributions as fit, with "+N more" on the wall. */
(function () {
  'use strict';
  var doc = document;
  var PAGE_SECONDS = 20;
  var MAX_COLS = 10;
  var layout = null; /* the last layout that fitted: {cols, px} */
  var pages = null; /* [[first, end), ...] stage indexes when paging */
  var page = 0;

  function projector() { return window.matchMedia('(min-width:60em) and (orientation:landscape)').matches; }
  /* readable on a projector: never below 1.9% of the screen's height (13.7 px at 720 p) */
  function minPx() { return Math.max(12, window.innerHeight * 0.019); }
  function maxPx() { return window.innerHeight * 0.045; }

  function fits(journey) {
    if (journey.scrollWidth > journey.clientWidth + 1 || journey.scrollHeight > journey.clientHeight + 1) return false;
    var boxes = journey.querySelectorAll('.stage-column:not([hidden]) h2, .stage-column:not([hidden]) .touchpoint-tile');
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].scrollWidth > boxes[i].clientWidth + 1) return false; /* a word wider than its column */
    }
    return true;
  }

  function apply(journey, l) {
    journey.style.setProperty('--cols', String(l.cols));
    journey.style.fontSize = l.px + 'px';
    return fits(journey);
  }

  /* The largest type that fits, over column counts (each stage whole in one column). */
  function best(journey, stages) {
    var found = null;
    for (var cols = Math.min(stages, MAX_COLS); cols >= 1; cols--) {
      var lo = found ? found.px * 1.02 : minPx();
      var hi = maxPx();
      if (lo > hi || !apply(journey, { cols: cols, px: lo })) continue;
      while (hi - lo > 0.5) {
        var mid = (lo + hi) / 2;
        if (apply(journey, { cols: cols, px: mid })) lo = mid; else hi = mid;
      }
      found = { cols: cols, px: lo };
    }
    if (found) apply(journey, found);
    return found;
  }

  /* Whether some column count fits at the smallest readable size (paging asks this often). */
  function fitsAtAll(journey, stages) {
    for (var cols = Math.min(stages, MAX_COLS); cols >= 1; cols--) {
      if (apply(journey, { cols: cols, px: minPx() })) return true;
    }
    return false;
  }

  function show(columns, from, to) {
    columns.forEach(function (c, i) { c.hidden = i < from || i >= to; });
  }

  function paginate(journey, columns) {
    var result = [];
    var from = 0;
    while (from < columns.length) {
      var to = from + 1;
      while (to < columns.length) {
        show(columns, from, to + 1);
        if (!fitsAtAll(journey, to + 1 - from)) break;
        to++;
      }
      result.push([from, to]);
      from = to;
    }
    return result;
  }

  function pagerText(text) {
    var pager = doc.querySelector('.board-pager');
    if (!pager) return;
    pager.hidden = text === null;
    pager.textContent = text || '';
  }

  function showPage(journey, columns) {
    var p = pages[page % pages.length];
    pagerText('Stages ' + (p[0] + 1) + '\u2013' + p[1] + ' of ' + columns.length +
      '. The next stages show in ' + PAGE_SECONDS + ' seconds.');
    show(columns, p[0], p[1]);
    layout = best(journey, p[1] - p[0]) || { cols: 1, px: minPx() };
    apply(journey, layout);
  }

  function fitJourney(full) {
    var journey = doc.querySelector('#board-main .board-journey');
    if (!journey) return;
    var columns = Array.prototype.slice.call(journey.querySelectorAll('.stage-column'));
    if (!projector()) {
      show(columns, 0, columns.length);
      journey.removeAttribute('style');
      return;
    }
    if (pages && !full) { showPage(journey, columns); return; }
    if (!full && layout && !pages && apply(journey, layout)) return;
    show(columns, 0, columns.length);
    pages = null;
    pagerText(null);
    layout = best(journey, columns.length);
    if (layout) return;
    pagerText('Stages 1\u20139 of 99. The next stages show in ' + PAGE_SECONDS + ' seconds.'); /* its height, measured */
    pages = paginate(journey, columns);
    page = 0;
    showPage(journey, columns);
  }

  /* Hide what would show only in part; `more` adds a "+N more" line in the list's place. */
  function clip(list, more) {
    if (!list) return;
    var old = list.querySelector('.board-more');
    if (old) old.remove();
    var items = Array.prototype.slice.call(list.children);
    items.forEach(function (li) { li.hidden = false; });
    if (!projector()) return;
    var bottom = list.getBoundingClientRect().bottom + 0.5;
    var cut = items.findIndex(function (li) { return li.getBoundingClientRect().bottom > bottom; });
    if (cut < 0) return;
    items.slice(cut).forEach(function (li) { li.hidden = true; });
    if (!more) return;
    var note = doc.createElement('li');
    note.className = 'board-more';
    list.appendChild(note);
    for (var shown = cut; shown >= 0; shown--) {
      items.slice(shown).forEach(function (li) { li.hidden = true; });
      note.textContent = '+' + (items.length - shown) + ' more';
      if (note.getBoundingClientRect().bottom <= bottom) break;
    }
  }

  function fit(full) {
    fitJourney(full);
    var main = doc.getElementById('board-main');
    if (main) clip(main.querySelector('.wall, .board-priorities, .board-plan'), true);
    clip(doc.getElementById('latest'), false);
  }

  var pending = null;
  function later(full) {
    if (pending) clearTimeout(pending.t);
    var all = full || (pending && pending.full);
    pending = { full: all, t: setTimeout(function () { pending = null; fit(all); }, 120) };
  }

  function start() {
    fit(true);
    setInterval(function () {
      if (!pages) return;
      page++;
      fit(false);
    }, PAGE_SECONDS * 1000);
  }

  window.addEventListener('resize', function () { later(true); });
  doc.addEventListener('htmx:wsAfterMessage', function () { later(false); });
  doc.addEventListener('htmx:load', function () { later(false); });
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start); else start();
})();
