/* Lenswalk: quick hide, character counters, live status, timers, theme. No globals. */
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

  /* Timers. The server sends the seconds left when it rendered the element; counting from the
     moment we first see it keeps a phone or laptop with a wrong clock right. The board and console
     show minutes:seconds; phones only ever say "about N minutes left", and nothing once time is up. */
  function about(left) {
    if (left <= 0) return '';
    if (left <= 90) return 'about a minute left';
    return 'about ' + Math.round(left / 60) + ' minutes left';
  }
  function tick() {
    var now = Date.now();
    each('[data-remaining], [data-about-remaining]', function (el) {
      if (!el.lwSeen) el.lwSeen = now;
      var clock = el.hasAttribute('data-remaining');
      var left = parseInt(el.getAttribute(clock ? 'data-remaining' : 'data-about-remaining'), 10) || 0;
      if (!clock || el.getAttribute('data-running') === 'true') left -= Math.floor((now - el.lwSeen) / 1000);
      left = Math.max(0, left);
      var text = clock ? Math.floor(left / 60) + ':' + ('0' + (left % 60)).slice(-2) : about(left);
      if (el.textContent !== text) el.textContent = text;
      if (!clock && !text) el.hidden = true;
    });
  }
  setInterval(tick, 1000);

  /* A link to a place inside a closed stage (the spotlight's "Go there") opens that stage first. */
  doc.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[href^="#"]');
    var el = a && doc.getElementById(a.getAttribute('href').slice(1));
    for (; el; el = el.parentElement) if (el.tagName === 'DETAILS') el.open = true;
  });

  /* Light or dark theme for the board and console, remembered on this device. */
  var THEME = 'lenswalk-theme';
  var root = doc.documentElement;
  try { if (localStorage.getItem(THEME)) root.setAttribute('data-theme', localStorage.getItem(THEME)); } catch (e) { /* private mode */ }
  doc.addEventListener('click', function (e) {
    if (!(e.target.closest && e.target.closest('[data-theme-toggle]'))) return;
    var dark = root.getAttribute('data-theme') === 'dark' ||
      (!root.hasAttribute('data-theme') && window.matchMedia && matchMedia('(prefers-color-scheme: dark)').matches);
    root.setAttribute('data-theme', dark ? 'light' : 'dark');
    try { localStorage.setItem(THEME, root.getAttribute('data-theme')); } catch (e2) { /* private mode */ }
  });
})();
