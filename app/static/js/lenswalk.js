/* Lenswalk: quick hide, character counters, live status. No globals. */
(function () {
  'use strict';
  var doc = document;
  function each(sel, fn, root) {
    var list = (root || doc).querySelectorAll(sel);
    for (var i = 0; i < list.length; i++) fn(list[i]);
  }

  /* Quick hide: blank at once, then replace() so Back does not return here. */
  function hide() {
    doc.documentElement.style.display = 'none';
    doc.title = '';
    location.replace('/safe');
  }
  doc.addEventListener('click', function (e) {
    var t = e.target;
    if (t.closest && t.closest('button.quick-hide')) { e.preventDefault(); hide(); }
  }, true);
  var shifts = [];
  doc.addEventListener('keydown', function (e) {
    if (e.key !== 'Shift' && e.keyCode !== 16) { shifts = []; return; } /* capitals don't count */
    if (e.repeat) return;
    var now = Date.now();
    shifts = shifts.filter(function (t) { return now - t < 1500; });
    if (shifts.push(now) >= 3) hide();
  }, true);

  /* Counters: <span class="char-count" data-counter-for="TEXTAREA_ID"> */
  var COUNTER = '.char-count[data-counter-for]';
  function update(c) {
    var ta = doc.getElementById(c.getAttribute('data-counter-for'));
    var max = ta && parseInt(ta.getAttribute('maxlength'), 10);
    if (!max) return;
    var left = Math.max(0, max - ta.value.length);
    c.textContent = left + (left === 1 ? ' character left' : ' characters left');
  }
  function init(root) { each(COUNTER, update, root); }
  doc.addEventListener('input', function (e) {
    var id = e.target.id;
    if (id && e.target.tagName === 'TEXTAREA') {
      each(COUNTER, function (c) { if (c.getAttribute('data-counter-for') === id) update(c); });
    }
  });
  doc.addEventListener('reset', function () { setTimeout(init, 0); });
  doc.addEventListener('htmx:load', function (e) {
    var el = e.detail && e.detail.elt;
    init(el && el.querySelectorAll ? el : doc);
  });
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', function () { init(); });
  else init();

  /* Live status from the htmx ws extension's bubbling events. */
  var wasOpen = false;
  function set(state, text) {
    each('.live-status', function (el) { el.setAttribute('data-state', state); el.textContent = text; });
  }
  function connecting() { set('connecting', wasOpen ? 'Reconnecting\u2026' : 'Connecting\u2026'); }
  function offline() { set('offline', 'Offline'); }
  doc.addEventListener('htmx:wsConnecting', connecting);
  doc.addEventListener('htmx:wsOpen', function () { wasOpen = true; set('connected', 'Live'); });
  doc.addEventListener('htmx:wsError', offline);
  doc.addEventListener('htmx:wsClose', function (e) {
    var ev = e.detail && e.detail.event;
    /* the extension retries only after these close codes */
    if (ev && [1006, 1011, 1012, 1013].indexOf(ev.code) >= 0) { wasOpen = true; connecting(); }
    else offline();
  });
  window.addEventListener('offline', offline);
})();
