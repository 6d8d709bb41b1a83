// Tequio without a signal (issue 20; no framework, no build step; see src/shell/offline.rs).
// A form marked data-offline that is sent with no connection (or with a session that ended)
// is kept on the phone (IndexedDB) with its idempotency key and the person's id; the page says
// so and how many wait. When the connection returns (a page loads, the browser goes online,
// "Enviar" is tapped) the person's entries are sent in order, each with its key, under a Web
// Lock so two tabs do not send together (the server's keys record each once anyway); each then
// shows as sent or refused with the server's reason. An entry is never sent under another
// person's session. Signing out warns how many would be lost, then deletes the person's queue
// and kept pages.
(function () {
  'use strict';
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(function () { return null; });
  }
  var holder = document.getElementById('offline');
  var meta = document.querySelector('meta[name="tequio-person"]');
  var me = meta ? meta.content : '';
  if (!holder || !me || !window.indexedDB) { return; }
  var T = holder.dataset;
  var note = '';
  var shownHere = {};
  var channel = window.BroadcastChannel ? new BroadcastChannel('tequio-offline') : null;

  function t(key, n) {
    var s = T[key] || key;
    return n === undefined ? s : s.replace('{}', n);
  }

  function db() {
    return new Promise(function (ok, ko) {
      var r = indexedDB.open('tequio-offline', 1);
      r.onupgradeneeded = function () { r.result.createObjectStore('queue', { keyPath: 'key' }); };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { ko(r.error); };
    });
  }

  function tx(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (ok, ko) {
        var x = d.transaction('queue', mode);
        var req = fn(x.objectStore('queue'));
        x.oncomplete = function () { d.close(); ok(req ? req.result : undefined); };
        x.onerror = x.onabort = function () { d.close(); ko(x.error); };
      });
    });
  }

  // Whether the queue's database exists, asked without opening it: a page that only reads the
  // queue never creates it, so no page is left mid-creation when the person moves on (Chromium
  // may keep such a page frozen, and every later page would wait for it). It is created when
  // the first entry is saved.
  function exists() {
    if (!indexedDB.databases) { return Promise.resolve(true); }
    return indexedDB.databases().then(function (l) {
      return l.some(function (d) { return d.name === 'tequio-offline'; });
    }, function () { return true; });
  }

  // Every entry on the phone, oldest first.
  function entries() {
    return exists().then(function (yes) {
      return yes ? tx('readonly', function (s) { return s.getAll(); }) : [];
    }).then(function (l) {
      return l.sort(function (a, b) { return a.n - b.n; });
    });
  }

  function save(e) { return tx('readwrite', function (s) { s.put(e); }); }

  function newKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  // A request given up after `ms` (a weak signal can leave one hanging): as if it failed. A
  // form given up may still arrive; its key makes sending it again safe.
  function timed(url, opts, ms) {
    var ctl = window.AbortController ? new AbortController() : null;
    if (ctl) {
      opts.signal = ctl.signal;
      setTimeout(function () { ctl.abort(); }, ms);
    }
    return fetch(url, opts);
  }

  // Who is signed in now and the session's CSRF token; 'signin' without a session; null
  // without a connection.
  function probe() {
    return timed('/sesion', { credentials: 'same-origin', cache: 'no-store' }, 4000).then(function (r) {
      if (r.status === 401) { return 'signin'; }
      return r.ok ? r.json() : null;
    }, function () { return null; });
  }

  function label(f) {
    var text = f.getAttribute('data-offline');
    var period = f.querySelector('[name=period]');
    if (period && /^\d{4}-\d{2}$/.test(period.value)) {
      var d = new Date(period.value + '-15T12:00:00');
      text += ' · ' + d.toLocaleDateString(document.documentElement.lang || 'es-MX',
        { month: 'long', year: 'numeric' });
    }
    var cards = Array.prototype.filter.call(f.querySelectorAll('fieldset'), function (c) {
      return Array.prototype.some.call(c.querySelectorAll('input'), function (i) { return i.value.trim() !== ''; });
    });
    if (cards.length) { text += ' · ' + t(cards.length === 1 ? 'member' : 'members', cards.length); }
    return text;
  }

  function enqueue(f) {
    var fields = [];
    new FormData(f).forEach(function (v, k) { if (k !== 'csrf') { fields.push([k, String(v)]); } });
    return entries().then(function (list) {
      var used = list.map(function (e) { return e.key; });
      var token = fields.filter(function (kv) { return kv[0] === 'token'; })[0];
      // A form's own token is its key, unless a copy of the same page was sent with it before.
      var key = token && token[1] && used.indexOf(token[1]) < 0 ? token[1] : newKey();
      if (token) { token[1] = key; }
      return save({ key: key, person: me, action: f.getAttribute('action'), fields: fields,
        label: label(f), n: Date.now(), state: 'waiting' });
    }).then(function () {
      f.reset();
      note = 'saved';
      return changed();
    }).then(function () {
      holder.scrollIntoView();
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; }
    return e;
  }

  function render() {
    return entries().then(function (list) {
      var mine = list.filter(function (e) { return e.person === me; });
      var waiting = mine.filter(function (e) { return e.state === 'waiting'; });
      var done = mine.filter(function (e) { return e.state !== 'waiting' && (!e.seen || shownHere[e.key]); });
      var others = list.some(function (e) { return e.person !== me && e.state === 'waiting'; });
      holder.textContent = '';
      holder.hidden = !(waiting.length || done.length || note || others);
      if (holder.hidden) { return; }
      if (note === 'saved') { holder.appendChild(el('p', 'msg ok', t('saved'))).setAttribute('role', 'status'); }
      if (note === 'offline') { holder.appendChild(el('p', 'msg', t('offline'))); }
      if (note === 'signin') {
        var p = holder.appendChild(el('p', 'msg err', t('signin') + ' '));
        p.appendChild(el('a', '', t('signinLink'))).href = '/entrar';
      }
      if (others) { holder.appendChild(el('p', 'msg', t('other'))); }
      var shown = [];
      if (waiting.length || done.length) {
        var count = holder.appendChild(el('p', 'offline-count',
          waiting.length ? t('waiting', waiting.length) : t('allSent')));
        count.id = 'offline-count';
        count.setAttribute('data-count', waiting.length);
        var ul = holder.appendChild(el('ul', 'offline-list'));
        shown = waiting.concat(done);
        shown.slice(0, 10).forEach(function (e) {
          var li = ul.appendChild(el('li', 'offline-' + e.state, e.label + ' — '));
          li.setAttribute('data-state', e.state);
          li.appendChild(el('strong', '', t({ waiting: 'stWaiting', sent: 'stSent', refused: 'stRefused' }[e.state])));
          if (e.message) { li.appendChild(el('span', 'offline-why', ' ' + e.message)); }
        });
      }
      if (shown.length > 10) { holder.appendChild(el('p', 'sub', t('more', shown.length - 10))); }
      if (waiting.length) {
        var b = holder.appendChild(el('button', '', t('send')));
        b.type = 'button';
        b.id = 'offline-send';
      }
      // A result is shown on the page where it came and on the next one, then dropped from view.
      done.forEach(function (e) {
        shownHere[e.key] = true;
        if (!e.seen) { e.seen = true; save(e); }
      });
    });
  }

  function changed() {
    if (channel) { channel.postMessage('changed'); }
    return render();
  }

  // One entry, as the form post it was, with its key; the server answers a short outcome.
  function send(e, csrf) {
    var body = new URLSearchParams();
    body.append('csrf', csrf);
    e.fields.forEach(function (kv) { body.append(kv[0], kv[1]); });
    return timed(e.action, { method: 'POST', body: body, credentials: 'same-origin', redirect: 'manual',
      headers: { 'Idempotency-Key': e.key, Accept: 'application/json' } }, 30000).then(function (r) {
      if (r.type === 'opaqueredirect' || r.status === 401) { return { outcome: 'signin' }; }
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (j.error === 'idempotency_key_reused') { return { outcome: 'refused', message: t('reused') }; }
        return { outcome: j.outcome || 'retry', message: j.message || '' };
      });
    }, function () { return { outcome: 'offline' }; });
  }

  var busy = false;
  function flush() {
    if (busy) { return Promise.resolve(); }
    busy = true;
    var run = function () {
      return probe().then(function (s) {
        if (s === null) { note = note === 'saved' ? note : 'offline'; return null; }
        if (s === 'signin') { note = 'signin'; return null; }
        if (note !== 'saved') { note = ''; }
        // Read again inside the lock: another tab may have sent them meanwhile.
        return entries().then(function (list) {
          var queue = list.filter(function (e) { return e.person === s.person && e.state === 'waiting'; });
          return queue.reduce(function (chain, e) {
            return chain.then(function (stop) {
              if (stop) { return stop; }
              return send(e, s.csrf).then(function (r) {
                if (r.outcome === 'sent' || r.outcome === 'refused' || r.outcome === 'forbidden') {
                  e.state = r.outcome === 'sent' ? 'sent' : 'refused';
                  e.message = r.message;
                  return save(e).then(changed).then(function () { return false; });
                }
                if (r.outcome === 'signin') { note = 'signin'; }
                if (r.outcome === 'offline') { note = 'offline'; }
                return true;
              });
            });
          }, Promise.resolve(false));
        });
      });
    };
    var work = navigator.locks ? navigator.locks.request('tequio-offline-send', run) : run();
    return work.catch(function () { return null; }).then(function () {
      busy = false;
      return changed();
    });
  }

  function signout(f) {
    return entries().then(function (list) {
      var mine = list.filter(function (e) { return e.person === me; });
      var waiting = mine.filter(function (e) { return e.state === 'waiting'; }).length;
      if (waiting && !window.confirm(t('lose', waiting))) { return false; }
      return tx('readwrite', function (s) { mine.forEach(function (e) { s.delete(e.key); }); })
        .then(function () { return window.caches ? caches.delete('tequio-user-' + me) : null; })
        .then(function () { return true; });
    }).catch(function () { return true; }).then(function (go) {
      if (go) { f.submit(); }
    });
  }

  document.addEventListener('submit', function (ev) {
    var f = ev.target;
    if (f.getAttribute('action') === '/salir') {
      ev.preventDefault();
      signout(f);
      return;
    }
    if (!f.hasAttribute('data-offline') || f.getAttribute('data-online') === '1') { return; }
    ev.preventDefault();
    probe().then(function (s) {
      if (s && s !== 'signin') {
        f.setAttribute('data-online', '1');
        if (f.requestSubmit) { f.requestSubmit(); } else { f.submit(); }
        return null;
      }
      return enqueue(f);
    });
  }, true);

  document.addEventListener('click', function (ev) {
    if (ev.target.id === 'offline-send') { flush(); }
  });
  window.addEventListener('online', flush);
  if (channel) { channel.onmessage = render; }
  // data-ready: the queue was read and, if it could, sent (what a test waits for).
  render().then(flush).then(function () { holder.setAttribute('data-ready', '1'); });
})();
