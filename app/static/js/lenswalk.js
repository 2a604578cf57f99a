/* Lenswalk: quick hide, character counters, live status, timers, theme, CSRF header, outbox,
   polling fallback. No globals. */
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

  /* Focus after a submit: the element that says what just happened (a saved note, a thank-you, a
     "done"), marked data-focus-after-swap, whether it came in a swap or with a whole page. */
  function focusNews(root) {
    var el = root && root.querySelector && root.querySelector('[data-focus-after-swap]');
    if (!el) return;
    el.removeAttribute('data-focus-after-swap');
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: 'nearest' });
  }
  doc.addEventListener('htmx:afterSettle', function () { focusNews(doc); });
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', function () { focusNews(doc); });
  else focusNews(doc);

  /* A live update never throws away what someone was doing: a choice or field they changed and
     have not sent yet keeps its value when the region around it is re-sent (unless the room changed
     that same control), and the focus stays on the control it was on. */
  function dirty(el) {
    if (el.type === 'checkbox' || el.type === 'radio') return el.checked !== el.defaultChecked;
    if (el.tagName === 'SELECT') {
      for (var i = 0; i < el.options.length; i++) if (el.options[i].selected !== el.options[i].defaultSelected) return true;
      return false;
    }
    return el.value !== el.defaultValue;
  }
  function initial(el) {
    if (el.type === 'checkbox' || el.type === 'radio') return String(el.defaultChecked);
    if (el.tagName === 'SELECT') {
      var chosen = [];
      for (var i = 0; i < el.options.length; i++) if (el.options[i].defaultSelected) chosen.push(el.options[i].value);
      return chosen.join('\n');
    }
    return el.defaultValue;
  }
  /* Only controls someone has changed are looked at on each message (a phone's journey page holds
     hundreds): they are noted as they change, and forgotten once they leave the page. */
  var touched = [];
  function touch(e) {
    var el = e.target;
    if (el && el.id && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && el.type !== 'hidden' && touched.indexOf(el) < 0) touched.push(el);
  }
  doc.addEventListener('input', touch);
  doc.addEventListener('change', touch);
  /* A choice that has been sent is no longer in progress: from then on the room's value wins, even
     when an update rendered before the next change reaches this page after it. */
  doc.addEventListener('submit', function (e) {
    var form = e.target;
    if (form && form.elements) touched = touched.filter(function (el) { return el.form !== form; });
  }, true);
  var kept = null;
  doc.addEventListener('htmx:wsBeforeMessage', function () {
    var active = doc.activeElement;
    kept = { focus: active && active.id && active !== doc.body ? active.id : null, fields: [] };
    touched = touched.filter(function (el) { return el.isConnected; });
    touched.forEach(function (el) {
      if (dirty(el)) kept.fields.push({ id: el.id, el: el, initial: initial(el), value: el.value, checked: el.checked });
    });
  });
  doc.addEventListener('htmx:wsAfterMessage', function () {
    if (!kept) return;
    kept.fields.forEach(function (k) {
      var el = doc.getElementById(k.id);
      if (!el || el === k.el || initial(el) !== k.initial) return;
      if (el.type === 'checkbox' || el.type === 'radio') el.checked = k.checked; else el.value = k.value;
      touched.push(el); /* still changed, for the next update too */
    });
    var active = doc.activeElement;
    if (kept.focus && (!active || active === doc.body)) {
      var again = doc.getElementById(kept.focus);
      if (again) again.focus({ preventScroll: true });
    }
    kept = null;
  });

  /* Calls for help (the facilitators' banner, app/templates/support/alerts.html): its own small
     socket must not speak for the page's live status or start its polling, unless it is the only one. */
  function alertsOnly(e) {
    var t = e.target;
    return !!(t && t.hasAttribute && t.hasAttribute('data-alerts') && doc.querySelectorAll('[ws-connect]').length > 1);
  }
  function alertCount() {
    var el = doc.getElementById('facilitator-alerts');
    if (!el) return;
    var n = parseInt(el.getAttribute('data-count'), 10) || 0;
    var base = doc.title.replace(/^\(\d+\) /, '');
    var title = n ? '(' + n + ') ' + base : base;
    if (doc.title !== title) doc.title = title;
  }
  doc.addEventListener('htmx:oobAfterSwap', alertCount);
  doc.addEventListener('htmx:wsAfterMessage', alertCount);
  doc.addEventListener('htmx:wsOpen', function (e) {
    if (e.target && e.target.hasAttribute && e.target.hasAttribute('data-alerts')) e.target.setAttribute('data-state', 'connected');
  });

  /* Live status from the htmx ws extension's bubbling events. */
  var wasOpen = false;
  function set(state, text) {
    each('.live-status', function (el) { el.setAttribute('data-state', state); el.textContent = text; });
  }
  function connecting() { set('connecting', wasOpen ? 'Reconnecting\u2026' : 'Connecting\u2026'); }
  function offline() { set('offline', 'Offline'); }
  doc.addEventListener('htmx:wsConnecting', function (e) { if (!alertsOnly(e)) connecting(); });
  doc.addEventListener('htmx:wsOpen', function (e) { if (!alertsOnly(e)) { wasOpen = true; set('connected', 'Live'); } });
  doc.addEventListener('htmx:wsError', function (e) { if (!alertsOnly(e)) offline(); });
  doc.addEventListener('htmx:wsClose', function (e) {
    if (alertsOnly(e)) return;
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

  /* Copy a read-only field (the board link) to the clipboard; select it where that is refused. */
  doc.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('[data-copy]');
    if (!b) return;
    var field = doc.getElementById(b.getAttribute('data-copy'));
    var status = doc.querySelector('[data-copy-status]');
    if (!field) return;
    function said(text) { if (status) status.textContent = text; }
    function manual() { field.focus(); field.select(); said('Selected: press Ctrl+C (or Cmd+C) to copy.'); }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(function () { said('Copied.'); }, manual);
    } else manual();
  });

  /* CSRF: every HTMX request carries this session's token (forms also carry it as a field). */
  function csrf() {
    var m = doc.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : '';
  }
  doc.addEventListener('htmx:configRequest', function (e) {
    var t = csrf();
    if (t) e.detail.headers['X-CSRF-Token'] = t;
  });

  /* Outbox: an annotation that could not be sent is kept (in the page and in localStorage),
     shown as waiting, and sent again once the connection is back. Its client_key is kept too,
     so the server saves it once however many times it arrives. */
  var STORE = 'lenswalk-outbox';
  var sending = false;
  function load() {
    try { return JSON.parse(localStorage.getItem(STORE) || '[]'); } catch (err) { return []; }
  }
  function save(items) {
    try { localStorage.setItem(STORE, JSON.stringify(items)); } catch (err) { /* private mode: page only */ }
    show(items);
  }
  var pageItems = null; /* the page's own copy, for when localStorage is unavailable */
  function items() { var stored = load(); return stored.length || !pageItems ? stored : pageItems; }
  /* The kind is the button that sent the form, which FormData(form) leaves out: remember it. */
  doc.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[type=submit][name]');
    if (b && b.form) b.form.lastSubmitter = b;
  }, true);
  function keep(form) {
    var data = new URLSearchParams(new FormData(form));
    var by = form.lastSubmitter;
    if (by && by.name && !data.has(by.name)) data.set(by.name, by.value);
    var key = data.get('client_key');
    if (!key) return;
    var list = items().filter(function (it) { return it.key !== key; });
    list.push({ key: key, action: form.getAttribute('action'), form: form.id, body: data.toString(),
      text: (data.get('text') || '').slice(0, 80) });
    pageItems = list;
    save(list);
  }
  function show(list) {
    var box = doc.getElementById('outbox');
    if (!box) {
      var mine = doc.getElementById('mine');
      if (!mine || !list.length) return;
      box = doc.createElement('section');
      box.id = 'outbox';
      box.className = 'notice warning outbox';
      box.setAttribute('role', 'status');
      mine.parentNode.insertBefore(box, mine);
    }
    box.textContent = '';
    box.hidden = !list.length;
    if (!list.length) return;
    var h = doc.createElement('h2');
    h.textContent = 'Waiting to send';
    var p = doc.createElement('p');
    p.textContent = 'No connection just now. What you wrote is kept on this phone and will be sent when the connection is back.';
    var ul = doc.createElement('ul');
    list.forEach(function (it) {
      var li = doc.createElement('li');
      li.className = 'outbox-item';
      li.textContent = it.text || '(no text)';
      ul.appendChild(li);
    });
    box.appendChild(h); box.appendChild(p); box.appendChild(ul);
  }
  function isAnnotationForm(el) {
    return el && el.matches && el.matches('form.annotation-form[hx-post]');
  }
  doc.addEventListener('htmx:beforeRequest', function (e) {
    var form = e.detail && e.detail.elt;
    if (isAnnotationForm(form) && navigator.onLine === false) {
      e.preventDefault();
      keep(form);
    }
  });
  doc.addEventListener('htmx:sendError', function (e) {
    var form = e.detail && e.detail.elt;
    if (isAnnotationForm(form)) keep(form);
  });
  function flush() {
    var list = items();
    if (sending || !list.length) return;
    sending = true;
    var it = list[0];
    fetch(it.action, {
      method: 'POST', credentials: 'same-origin', body: it.body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'HX-Request': 'true', 'X-CSRF-Token': csrf() }
    }).then(function (r) {
      /* 5xx and 429: keep it for the next try. Anything else is an answer: the item is done. */
      if (r.status >= 500 || r.status === 429) throw new Error('retry');
      return r.text().then(function (html) {
        pageItems = items().filter(function (x) { return x.key !== it.key; });
        save(pageItems);
        var form = doc.getElementById(it.form);
        var key = form && form.querySelector('input[name="client_key"]');
        if (form && key && key.value === it.key) {
          htmx.swap(form, html, { swapStyle: 'outerHTML' }); /* the fresh form and the updated lists */
        } else if (r.ok) {
          htmx.ajax('GET', location.pathname, { target: '#mine', select: '#mine', swap: 'outerHTML' });
        } else {
          htmx.swap('#messages', html, { swapStyle: 'innerHTML' });
        }
        sending = false;
        flush();
      });
    }).catch(function () { sending = false; });
  }
  window.addEventListener('online', flush);
  doc.addEventListener('htmx:wsOpen', flush);
  setInterval(flush, 10000);
  function startOutbox() { show(items()); flush(); }
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', startOutbox);
  else startOutbox();

  /* Fallback when websockets never open (blocked by a proxy or a venue firewall): poll the
     same live regions over plain HTTP until the websocket opens again. */
  var failures = 0, polling = null, pollSeq = null;
  function liveUrl() {
    var el = doc.querySelector('[ws-connect]');
    return el && el.getAttribute('ws-connect');
  }
  function poll() {
    var url = liveUrl();
    if (!url) return;
    if (pollSeq === null) { var m = /[?&]seq=(-?\d+)/.exec(url); pollSeq = m ? m[1] : '-1'; }
    url = url.replace('/live?', '/live/poll?').replace(/([?&]seq=)-?\d+/, '$1' + pollSeq);
    fetch(url, { credentials: 'same-origin' }).then(function (r) {
      /* A board opened by its link that is revoked or replaced: show the page that says so. */
      if (r.status === 404 && location.pathname.indexOf('/board/') === 0) { location.reload(); return; }
      if (r.status === 204) set('polling', 'Live (slow connection)');
      if (r.status !== 200) return;
      pollSeq = r.headers.get('X-Lenswalk-Seq') || pollSeq;
      return r.text().then(function (html) {
        var t = doc.createElement('template');
        t.innerHTML = html;
        Array.prototype.forEach.call(t.content.children, function (c) {
          if (!c.hasAttribute('hx-swap-oob')) c.setAttribute('hx-swap-oob', 'true');
        });
        htmx.swap(doc.body, t.innerHTML, { swapStyle: 'none' });
        set('polling', 'Live (slow connection)');
      });
    }).catch(function () { /* offline: the next tick tries again */ });
  }
  doc.addEventListener('htmx:wsClose', function (e) {
    if (alertsOnly(e)) return;
    var ev = e.detail && e.detail.event;
    var retried = ev && [1006, 1011, 1012, 1013].indexOf(ev.code) >= 0;
    failures += 1;
    /* Poll after two failed tries in a row, or at once when the extension will not retry. */
    if ((failures >= 2 || !retried) && !polling) { polling = setInterval(poll, 5000); poll(); }
  });
  doc.addEventListener('htmx:wsOpen', function (e) {
    if (alertsOnly(e)) return;
    failures = 0;
    if (polling) { clearInterval(polling); polling = null; pollSeq = null; }
  });
})();
