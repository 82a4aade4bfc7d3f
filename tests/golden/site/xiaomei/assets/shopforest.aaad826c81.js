// Shopforest share links and first-party attribution. A fingerprinted asset of the theme: no
// inline script, no third party, no cookie, no popup; works in chat apps' in-app browsers.
//
//   Shopforest.attribution()  → {lid, channel, campaign, first_seen, last_seen, landed_at} or null
//
// Landing with ?lid=<code> (the long form, or through /s/?c=<code>) records the attribution in
// localStorage under "shopforest:<shop>:attribution" for data-attribution-days; a later landing
// with another code of the same shop replaces it (last click wins); an expired one is dropped.
// Each landing sends one beacon to <checkout>/clicks; failure never blocks the page.
(function () {
  "use strict";
  var body = document.body;
  var shop = body.getAttribute("data-shop");
  var root = body.getAttribute("data-root") || "./";
  var checkoutUrl = (body.getAttribute("data-checkout-url") || "").replace(/\/$/, "");
  var days = parseFloat(body.getAttribute("data-attribution-days") || "30");
  var KEY = "shopforest:" + shop + ":attribution";
  var LID = /^[A-Za-z0-9_-]{1,32}$/;
  var TAG = /^[a-z0-9][a-z0-9_-]{0,31}$/;

  // A query part as text, or null when its percent-encoding is malformed ("%", "%E0%A4%A"):
  // chat apps and people edit share URLs, and decodeURIComponent throws on those.
  function decoded(part) {
    try {
      return decodeURIComponent(part.replace(/\+/g, " "));
    } catch (e) {
      return null;
    }
  }

  // The query's parameters, first of each name; a malformed pair is skipped, not fatal.
  function params() {
    var out = {};
    (window.location.search || "").replace(/^\?/, "").split("&").forEach(function (pair) {
      if (!pair) return;
      var i = pair.indexOf("=");
      var k = decoded(i < 0 ? pair : pair.slice(0, i));
      var v = i < 0 ? "" : decoded(pair.slice(i + 1));
      if (k === null || v === null) return;
      if (!Object.prototype.hasOwnProperty.call(out, k)) out[k] = v;
    });
    return out;
  }

  function read() {
    try {
      var a = JSON.parse(window.localStorage.getItem(KEY));
      if (!a || !LID.test(a.lid)) return null;
      if (Date.now() - Date.parse(a.last_seen) > days * 86400000) {
        window.localStorage.removeItem(KEY);
        return null;
      }
      return a;
    } catch (e) {
      return null;
    }
  }

  function record(lid, channel, campaign) {
    var now = new Date().toISOString();
    var previous = read();
    var a = {
      lid: lid,
      channel: channel || null,
      campaign: campaign || null,
      first_seen: previous && previous.lid === lid ? previous.first_seen : now,
      last_seen: now,
      landed_at: now
    };
    try { window.localStorage.setItem(KEY, JSON.stringify(a)); } catch (e) { /* storage off: attribution lasts this page */ }
    beacon(a);
    return a;
  }

  function beacon(a) {
    if (!checkoutUrl || !navigator.sendBeacon) return;
    var data = JSON.stringify({ shop: shop, lid: a.lid, channel: a.channel, campaign: a.campaign,
                                path: window.location.pathname, landed_at: a.landed_at });
    try {
      // text/plain keeps it a simple CORS request: no preflight, no cookie
      navigator.sendBeacon(checkoutUrl + "/clicks", new Blob([data], { type: "text/plain" }));
    } catch (e) { /* never block the page */ }
  }

  function longForm() {
    var p = params();
    if (p.lid && LID.test(p.lid)) {
      record(p.lid, TAG.test(p.utm_source || "") ? p.utm_source : null, TAG.test(p.utm_campaign || "") ? p.utm_campaign : null);
    }
  }

  // /s/?c=<code>: one static page per shop resolves every code through s/codes.json
  // Whatever goes wrong (a malformed query, an unknown code, a failed fetch), the customer
  // lands on the shop's home, never on a page stuck at "redirecting".
  function shortLink(el) {
    var home = root;
    function goHome() { window.location.replace(home); }
    try {
      var code = params().c;
      if (!code || !LID.test(code)) { goHome(); return; }
      fetch(el.getAttribute("data-codes"), { credentials: "omit" }).then(function (r) { return r.json(); }).then(function (table) {
        var entry = table && Object.prototype.hasOwnProperty.call(table, code) ? table[code] : null;
        if (!entry) { goHome(); return; }
        var q = "?lid=" + encodeURIComponent(code) + "&utm_source=" + encodeURIComponent(entry[1]) + "&utm_medium=share";
        if (entry[2]) q += "&utm_campaign=" + encodeURIComponent(entry[2]);
        window.location.replace(root + "p/" + encodeURIComponent(entry[0]) + "/" + q);
      }).catch(goHome);
    } catch (e) {
      goHome();
    }
  }

  // the product page's share section ------------------------------------------------------
  function share(section) {
    var link = section.getAttribute("data-short");
    var status = section.querySelector(".share-status");
    var input = section.querySelector("#share-link");
    var native = section.querySelector("[data-action=native]");
    section.querySelector("[data-action=copy]").addEventListener("click", function () {
      function done() { status.textContent = section.getAttribute("data-msg-copied"); }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(link).then(done, function () { input.select(); document.execCommand("copy"); done(); });
      } else {
        input.select(); document.execCommand("copy"); done();
      }
    });
    if (navigator.share) {
      native.hidden = false;
      native.addEventListener("click", function () {
        navigator.share({ title: document.title, url: link }).catch(function () { /* dismissed */ });
      });
    }
    section.querySelector("[data-action=poster]").addEventListener("click", function () {
      var poster = document.getElementById("poster");
      function draw() {
        var box = poster.querySelector(".poster-qr");
        if (!box.firstChild) {
          var qr = window.qrcode(0, "M");
          qr.addData(link);
          qr.make();
          var n = qr.getModuleCount();
          var NS = "http://www.w3.org/2000/svg";
          var svg = document.createElementNS(NS, "svg");
          svg.setAttribute("viewBox", "-4 -4 " + (n + 8) + " " + (n + 8));
          svg.setAttribute("width", "160"); svg.setAttribute("height", "160");
          var bg = document.createElementNS(NS, "rect");
          bg.setAttribute("x", "-4"); bg.setAttribute("y", "-4"); bg.setAttribute("width", String(n + 8)); bg.setAttribute("height", String(n + 8));
          bg.setAttribute("fill", "#fff");
          svg.appendChild(bg);
          var d = "";
          for (var r = 0; r < n; r++) for (var c = 0; c < n; c++) if (qr.isDark(r, c)) d += "M" + c + " " + r + "h1v1h-1z";
          var path = document.createElementNS(NS, "path");
          path.setAttribute("d", d); path.setAttribute("fill", "#000");
          svg.appendChild(path);
          box.appendChild(svg);
        }
        poster.hidden = false;
        poster.scrollIntoView({ behavior: "smooth", block: "center" });
      }
      if (window.qrcode) { draw(); return; }
      var s = document.createElement("script");  // same-origin asset, loaded only when asked for
      s.src = section.getAttribute("data-qr-src");
      s.onload = draw;
      document.head.appendChild(s);
    });
  }

  window.Shopforest = window.Shopforest || {};
  window.Shopforest.attribution = read;

  longForm();
  var s = document.getElementById("short-link");
  if (s) shortLink(s);
  var section = document.getElementById("share");
  if (section) share(section);
})();
