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
      var save = poster.querySelector(".poster-save");
      function show() {
        poster.hidden = false;
        poster.scrollIntoView({ behavior: "smooth", block: "center" });
      }
      if (save.firstChild) { show(); return; }
      function draw(picture) {
        try {
          var url = drawPoster(section, link, picture);
        } catch (e) {
          status.textContent = section.getAttribute("data-msg-poster-failed");
          return;
        }
        var img = document.createElement("img");
        img.className = "poster-image";
        img.alt = section.getAttribute("data-poster-alt");
        img.src = url;
        save.href = url;
        save.setAttribute("download", section.getAttribute("data-poster-file"));
        save.appendChild(img);
        show();
      }
      function withPicture() {
        var src = section.getAttribute("data-poster-image");
        if (!src) { draw(null); return; }
        var picture = new Image();
        picture.onload = function () { draw(picture); };
        picture.onerror = function () { draw(null); };
        picture.src = src;
      }
      if (window.qrcode) { withPicture(); return; }
      var s = document.createElement("script");  // same-origin asset, loaded only when asked for
      s.src = section.getAttribute("data-qr-src");
      s.onload = withPicture;
      document.head.appendChild(s);
    });
  }

  // The share poster, drawn on a canvas and returned as a PNG data: URL. A data: URL rather
  // than a blob: one because chat apps' in-app browsers save a long-pressed data: image but not
  // a blob: one. Text is set in the phone's own fonts (CJK included); the picture is the
  // product's share card, a same-origin JPEG, so the canvas stays readable.
  var POSTER_FONT = '"PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", system-ui, sans-serif';
  var W = 750, PAD = 40, INK = "#2b2622", MUTED = "#6b635b", ACCENT = "#b83a4b";

  // Lines of at most `width` pixels, broken between characters (Chinese has no spaces) and at
  // most `max` of them, the last one cut with an ellipsis.
  function wrap(ctx, text, width, max) {
    var lines = [], line = "";
    var chars = Array.from(text.replace(/\s+/g, " ").trim());
    for (var i = 0; i < chars.length; i++) {
      if (ctx.measureText(line + chars[i]).width > width && line) {
        lines.push(line);
        line = chars[i] === " " ? "" : chars[i];
        if (lines.length === max) {
          var last = lines[max - 1];
          while (last && ctx.measureText(last + "…").width > width) last = last.slice(0, -1);
          lines[max - 1] = last + "…";
          return lines;
        }
      } else {
        line += chars[i];
      }
    }
    if (line) lines.push(line);
    return lines;
  }

  function drawPoster(section, link, picture) {
    var text = function (name) { return section.getAttribute("data-poster-" + name) || ""; };
    var qr = window.qrcode(0, "M");
    qr.addData(link);
    qr.make();
    var n = qr.getModuleCount();
    var cell = Math.max(4, Math.floor(220 / (n + 8)));  // whole pixels per module: crisp to a camera
    var qrSize = cell * (n + 8);
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d");
    var inner = W - 2 * PAD;
    ctx.font = "bold 40px " + POSTER_FONT;
    var title = wrap(ctx, text("title"), inner, 2);
    ctx.font = "28px " + POSTER_FONT;
    var note = text("note") ? wrap(ctx, "“" + text("note") + "”", inner, 4) : [];
    var imageSize = picture ? inner : 0;
    var height = PAD + (imageSize ? imageSize + 36 : 0) + title.length * 52 + 64 + (note.length ? note.length * 40 + 44 : 0) + 24 + qrSize + PAD;
    canvas.width = W;
    canvas.height = height;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, W, height);
    var y = PAD;
    if (picture) {
      // the card's centre square: the picture itself on its own background
      var side = Math.min(picture.naturalWidth, picture.naturalHeight);
      ctx.drawImage(picture, (picture.naturalWidth - side) / 2, (picture.naturalHeight - side) / 2, side, side, PAD, y, imageSize, imageSize);
      y += imageSize + 36;
    }
    ctx.textBaseline = "top";
    ctx.fillStyle = INK;
    ctx.font = "bold 40px " + POSTER_FONT;
    title.forEach(function (l) { ctx.fillText(l, PAD, y); y += 52; });
    ctx.fillStyle = ACCENT;
    ctx.font = "bold 48px " + POSTER_FONT;
    ctx.fillText(text("price"), PAD, y + 4);
    y += 64;
    if (note.length) {
      ctx.fillStyle = MUTED;
      ctx.font = "28px " + POSTER_FONT;
      note.forEach(function (l) { ctx.fillText(l, PAD, y); y += 40; });
      ctx.fillText("— " + text("owner"), PAD, y + 4);
      y += 44;
    }
    y += 24;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(PAD, y, qrSize, qrSize);
    ctx.fillStyle = "#000000";
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) {
        if (qr.isDark(r, c)) ctx.fillRect(PAD + (c + 4) * cell, y + (r + 4) * cell, cell, cell);
      }
    }
    var x = PAD + qrSize + 24, width = W - PAD - x;
    ctx.fillStyle = INK;
    ctx.font = "bold 32px " + POSTER_FONT;
    var shopLines = wrap(ctx, text("shop"), width, 2);
    var ty = y + 24;
    shopLines.forEach(function (l) { ctx.fillText(l, x, ty); ty += 44; });
    ctx.fillStyle = MUTED;
    ctx.font = "28px " + POSTER_FONT;
    ctx.fillText(wrap(ctx, text("owner"), width, 1)[0] || "", x, ty + 8);
    ctx.fillStyle = ACCENT;
    ctx.fillText(wrap(ctx, text("scan"), width, 1)[0] || "", x, ty + 56);
    return canvas.toDataURL("image/png");
  }

  window.Shopforest = window.Shopforest || {};
  window.Shopforest.attribution = read;

  longForm();
  var s = document.getElementById("short-link");
  if (s) shortLink(s);
  var section = document.getElementById("share");
  if (section) share(section);
})();
