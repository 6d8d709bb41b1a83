// Tequio's service worker (issue 20; hand-written, no build step; see src/shell/offline.rs).
// It keeps the shell (stylesheet, scripts, icons, the offline page) and, per person, the pages
// they used last that work without a signal: their statement and report form, and a meeting's
// collection sheet. A person's pages are kept in a cache of their own ("tequio-user-" and the
// page's tequio-person meta tag) and served only while the server's last page named that same
// person; signing out deletes that cache (offline.js). The API and anything that is not a GET
// are never touched, so no token is ever kept.
'use strict';
var SHELL = 'tequio-shell-v1';
var META = 'tequio-meta';
var SHELL_FILES = ['/static/tequio.css', '/static/htmx.min.js', '/static/tequio.js',
  '/static/offline.js', '/static/icon.svg', '/static/icon-192.png', '/manifest.webmanifest',
  '/sin-conexion'];
var KEEP = [/^\/odf\/[^/]+\/socios\/\d+$/, /^\/odf\/[^/]+\/socios\/\d+\/reporte$/,
  /^\/odf\/[^/]+\/cobranza$/];
var LIMIT = 40;
// Links that redirect to a kept page open that page offline.
var ALIAS = [[/^(\/odf\/[^/]+)\/mi-estado$/, /^\/socios\/\d+$/],
  [/^(\/odf\/[^/]+)\/reportar$/, /^\/socios\/\d+\/reporte$/]];

self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(SHELL_FILES); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf('tequio-shell-') === 0 && n !== SHELL;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function userCache(p) { return 'tequio-user-' + p; }

// The person the server's last page named ('' once a sign-in page was shown).
function current() {
  return caches.open(META).then(function (c) { return c.match('/__persona'); })
    .then(function (r) { return r ? r.text() : ''; });
}

function setCurrent(p) {
  return caches.open(META).then(function (c) { return c.put('/__persona', new Response(p)); });
}

// A page from the server: note whose it is, and keep it if it is one of their offline pages.
function remember(resp) {
  var type = resp.headers.get('content-type') || '';
  if (!resp.ok || resp.type !== 'basic' || type.indexOf('text/html') !== 0) {
    return Promise.resolve();
  }
  var path = new URL(resp.url).pathname;
  return resp.text().then(function (html) {
    var m = /<meta name="tequio-person" content="([0-9a-f]+)">/.exec(html);
    if (!m) {
      return path === '/entrar' || path === '/activar' ? setCurrent('') : null;
    }
    var work = [setCurrent(m[1])];
    if (KEEP.some(function (re) { return re.test(path); })) {
      work.push(caches.open(userCache(m[1])).then(function (c) {
        return c.delete(resp.url).then(function () {
          return c.put(resp.url, new Response(html, { headers: { 'content-type': type } }));
        }).then(function () { return c.keys(); }).then(function (keys) {
          // The pages used last: staff who open many statements keep the newest LIMIT.
          return Promise.all(keys.slice(0, Math.max(0, keys.length - LIMIT)).map(function (k) {
            return c.delete(k);
          }));
        });
      }));
    }
    return Promise.all(work);
  });
}

// Without a connection: the person's kept copy of the page, else the offline page.
function kept(url) {
  return current().then(function (p) {
    if (!p) { return null; }
    return caches.open(userCache(p)).then(function (c) {
      return c.match(url.href).then(function (hit) {
        return hit || c.match(url.href, { ignoreSearch: true });
      }).then(function (hit) {
        if (hit) { return hit; }
        var alias = ALIAS.filter(function (a) { return a[0].test(url.pathname); })[0];
        if (!alias) { return null; }
        var prefix = alias[0].exec(url.pathname)[1];
        return c.keys().then(function (keys) {
          var key = keys.filter(function (k) {
            var path = new URL(k.url).pathname;
            return path.indexOf(prefix) === 0 && alias[1].test(path.slice(prefix.length));
          })[0];
          return key ? c.match(key) : null;
        });
      });
    });
  }).then(function (hit) { return hit || caches.match('/sin-conexion'); });
}

function page(e) {
  return fetch(e.request).then(function (resp) {
    e.waitUntil(remember(resp.clone()));
    return resp;
  }, function () { return kept(new URL(e.request.url)); });
}

function shell(e) {
  return caches.open(SHELL).then(function (c) {
    return c.match(e.request).then(function (hit) {
      var fresh = fetch(e.request).then(function (r) {
        if (r.ok) { c.put(e.request, r.clone()); }
        return r;
      });
      if (hit) {
        e.waitUntil(fresh.catch(function () { return null; }));
        return hit;
      }
      return fresh;
    });
  });
}

self.addEventListener('fetch', function (e) {
  var url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== self.location.origin ||
      url.pathname.indexOf('/api/') === 0) {
    return;
  }
  if (e.request.mode === 'navigate') {
    e.respondWith(page(e));
  } else if (SHELL_FILES.indexOf(url.pathname) >= 0) {
    e.respondWith(shell(e));
  }
});
