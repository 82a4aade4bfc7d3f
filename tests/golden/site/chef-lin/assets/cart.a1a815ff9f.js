// Shopforest cart and checkout. Served as a fingerprinted asset; no inline script, no library,
// no third party. The cart lives in this browser only (localStorage, one per shop); prices are
// refreshed from the shop's products.json and checked again by the hook, which has the last word.
(function () {
  "use strict";
  var body = document.body;
  var shop = body.getAttribute("data-shop");
  var locale = (body.getAttribute("data-locale") || "zh_CN").replace("_", "-");
  var currency = body.getAttribute("data-currency") || "CNY";
  var checkoutUrl = (body.getAttribute("data-checkout-url") || "").replace(/\/$/, "");
  var CART = "shopforest:" + shop + ":cart";
  var PENDING = "shopforest:" + shop + ":pending";
  var ORDERS = "shopforest:" + shop + ":orders"; // [{id, secret}], newest first: keys to look orders up at the hook
  var money = new Intl.NumberFormat(locale, { style: "currency", currency: currency });

  function load(key, fallback) {
    try {
      var value = JSON.parse(window.localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: cart lasts this page */ }
  }
  function cart() { var c = load(CART, { lines: [] }); return Array.isArray(c.lines) ? c : { lines: [] }; }
  function setCart(c) { save(CART, c); count(); }
  function cents(text) { return Math.round(parseFloat(text) * 100); }
  function text(c) { return (c / 100).toFixed(2); }
  function lineId(l) { return l.variant ? l.sku + ":" + l.variant : l.sku; }

  function count() {
    var n = cart().lines.reduce(function (s, l) { return s + l.qty; }, 0);
    var els = document.querySelectorAll(".cart-count");
    for (var i = 0; i < els.length; i++) els[i].textContent = n ? " (" + n + ")" : "";
  }

  // Product page: add to cart ------------------------------------------------------------
  function productPage(form) {
    var select = form.querySelector("select[name=variant]");
    var qty = form.querySelector("input[name=qty]");
    var status = form.querySelector(".buy-status");
    function bound() {
      var opt = select ? select.options[select.selectedIndex] : null;
      return parseInt((opt && opt.getAttribute("data-max")) || form.getAttribute("data-max"), 10) || 1;
    }
    if (select) {
      if (select.options[select.selectedIndex] && select.options[select.selectedIndex].disabled) {
        for (var i = 0; i < select.options.length; i++) if (!select.options[i].disabled) { select.selectedIndex = i; break; }
      }
      select.addEventListener("change", function () { qty.max = bound(); });
      qty.max = bound();
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var opt = select ? select.options[select.selectedIndex] : null;
      if (opt && opt.disabled) return;
      var max = bound();
      var n = parseInt(qty.value, 10);
      if (!(n >= 1)) n = 1;
      var c = cart();
      var line = {
        sku: form.getAttribute("data-sku"),
        variant: opt ? opt.value : null,
        title: form.getAttribute("data-title") + (opt ? " · " + opt.getAttribute("data-title") : ""),
        unit_price: opt ? opt.getAttribute("data-price") : form.getAttribute("data-price"),
        qty: 0,
        max: max
      };
      var existing = c.lines.filter(function (l) { return lineId(l) === lineId(line); })[0];
      if (existing) { line = existing; } else { c.lines.push(line); }
      line.qty = Math.min(max, line.qty + n);
      line.max = max;
      setCart(c);
      status.textContent = "";
      var done = document.createTextNode(form.getAttribute("data-msg-added") + " (" + line.qty + ") · ");
      var link = document.createElement("a");
      link.href = form.getAttribute("action");
      link.textContent = form.getAttribute("data-msg-view");
      status.appendChild(done);
      status.appendChild(link);
    });
  }

  // Cart page ------------------------------------------------------------------------------
  function cartPage(box, form) {
    var list = box.querySelector(".cart-lines");
    var empty = box.querySelector(".cart-empty");
    var totalBox = box.querySelector(".cart-total");
    var total = document.getElementById("cart-total");
    var status = form.querySelector(".checkout-status");
    var button = form.querySelector("button[type=submit]");
    var msg = function (name) { return box.getAttribute("data-msg-" + name) || ""; };
    var unavailable = {};

    function render() {
      var c = cart();
      list.textContent = "";
      var sum = 0;
      c.lines.forEach(function (l, index) {
        sum += cents(l.unit_price) * l.qty;
        var li = document.createElement("li");
        li.className = "cart-line" + (unavailable[lineId(l)] ? " is-unavailable" : "");
        var title = document.createElement("span");
        title.className = "cart-title";
        title.textContent = l.title;
        var price = document.createElement("span");
        price.className = "price";
        price.textContent = money.format(cents(l.unit_price) / 100);
        var label = document.createElement("label");
        label.className = "visually-hidden";
        label.htmlFor = "q" + index;
        label.textContent = msg("quantity") + " " + l.title;
        var input = document.createElement("input");
        input.type = "number"; input.min = "1"; input.max = String(l.max || 99); input.value = String(l.qty);
        input.id = "q" + index; input.inputMode = "numeric";
        input.addEventListener("change", function () {
          var c2 = cart();
          var n = parseInt(input.value, 10);
          c2.lines[index].qty = Math.max(1, Math.min(c2.lines[index].max || 99, n >= 1 ? n : 1));
          setCart(c2); render();
        });
        var remove = document.createElement("button");
        remove.type = "button"; remove.className = "secondary"; remove.textContent = msg("remove");
        remove.setAttribute("aria-label", msg("remove") + " " + l.title);
        remove.addEventListener("click", function () {
          var c2 = cart(); c2.lines.splice(index, 1); setCart(c2); render();
        });
        li.appendChild(title); li.appendChild(price); li.appendChild(label); li.appendChild(input); li.appendChild(remove);
        if (unavailable[lineId(l)]) {
          var note = document.createElement("span"); note.className = "field-error"; note.textContent = msg("unavailable");
          li.appendChild(note);
        }
        list.appendChild(li);
      });
      var has = c.lines.length > 0;
      list.hidden = !has; totalBox.hidden = !has; form.hidden = !has; empty.hidden = has;
      total.textContent = money.format(sum / 100);
    }

    // current prices and availability from the shop's own products.json
    function refresh() {
      return fetch(box.getAttribute("data-products"), { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (data) {
        var items = {};
        data.items.forEach(function (i) { items[i.id] = i; });
        var c = cart();
        unavailable = {};
        c.lines.forEach(function (l) {
          var item = items[lineId(l)];
          if (!item) { unavailable[lineId(l)] = true; return; }
          l.unit_price = item.price; l.max = item.max_quantity; l.qty = Math.min(l.qty, item.max_quantity);
        });
        setCart(c); render();
      }).catch(function () { render(); });
    }

    // The fields a customer fills in; the hook answers a problem with any of them as
    // customer.<name>, in the shop's language.
    var FIELDS = ["name", "phone", "address", "email", "note"];
    // Control characters, lone surrogates and bidirectional controls: the hook refuses them.
    var FORBIDDEN = /[\p{Cc}\p{Cs}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

    // What a pattern cannot say of a textarea: the browser reports it as the field's own
    // validation message (setCustomValidity), like required, minlength and pattern.
    function customCheck(name) {
      var input = form.elements[name];
      if (name !== "address" && name !== "note") return;
      var value = input.value;
      var problem = "";
      if (FORBIDDEN.test(value.replace(/[\t\n\r]/g, ""))) problem = msg("bad-chars");
      else if (name === "address" && value.length && !value.trim()) problem = msg("required");
      input.setCustomValidity(problem);
    }

    function mark(name, message) {
      var input = form.elements[name];
      input.setAttribute("aria-invalid", message ? "true" : "false");
      document.getElementById("e-" + name).textContent = message;
    }

    function fieldsOk() {
      var first = null;
      FIELDS.forEach(function (name) {
        var input = form.elements[name];
        customCheck(name);
        var valid = input.checkValidity();
        // The browser's own words; a pattern's are generic ("match the requested format"), so
        // the field's title, which says what the format is, follows them as in the browser's bubble.
        var hint = !valid && input.validity.patternMismatch && input.title ? " " + input.title : "";
        mark(name, valid ? "" : (input.validationMessage || msg("invalid")) + hint);
        if (!valid && !first) first = input;
      });
      if (first) first.focus();
      return !first;
    }

    FIELDS.forEach(function (name) {
      form.elements[name].addEventListener("input", function () {
        customCheck(name);
        var input = form.elements[name];
        if (input.getAttribute("aria-invalid") === "true" && input.checkValidity()) mark(name, "");
      });
    });

    // invalid_request: each field the hook names is marked with its message (the shop's language)
    function showFieldErrors(fields) {
      var first = null;
      var other = [];
      fields.forEach(function (f) {
        var m = /^customer\.(name|phone|address|email|note)$/.exec(f.field || "");
        if (m) {
          mark(m[1], f.message || msg("invalid"));
          if (!first) first = form.elements[m[1]];
        } else if (f.message) {
          other.push(f.message);
        }
      });
      status.textContent = msg("invalid") + (other.length ? " " + other.join(" ") : "");
      if (first) first.focus();
    }

    function remember(id, secret) {
      var known = load(ORDERS, []);
      if (!Array.isArray(known)) known = [];
      known = known.filter(function (o) { return o && o.id !== id; });
      known.unshift({ id: id, secret: secret });
      save(ORDERS, known.slice(0, 20));
    }

    function uuid4() {
      if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
      var b = new Uint8Array(16); window.crypto.getRandomValues(b);
      b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
      var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
      return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.textContent = "";
      if (!fieldsOk()) { status.textContent = msg("invalid"); return; }
      var c = cart();
      var customer = { name: form.elements.name.value.trim(), phone: form.elements.phone.value.trim(), address: form.elements.address.value.trim() };
      if (form.elements.email.value.trim()) customer.email = form.elements.email.value.trim();
      if (form.elements.note.value.trim()) customer.note = form.elements.note.value.trim();
      var order = {
        shop: shop,
        items: c.lines.map(function (l) {
          var item = { sku: l.sku, qty: l.qty, unit_price: l.unit_price };
          if (l.variant) item.variant = l.variant;
          return item;
        }),
        customer: customer
      };
      var attribution = window.Shopforest && typeof window.Shopforest.attribution === "function" ? window.Shopforest.attribution() : null;
      if (attribution && attribution.lid) {
        order.attribution = { lid: attribution.lid };
        ["channel", "campaign", "landed_at"].forEach(function (k) { if (attribution[k]) order.attribution[k] = String(attribution[k]); });
      }
      var payload = JSON.stringify(order);
      // One key per order attempt, kept until it succeeds: a retry after a network error
      // reuses it, so the hook can never create a second order. A changed order gets a new key.
      var pending = load(PENDING, null);
      if (!pending || pending.body !== payload) { pending = { key: uuid4(), body: payload }; save(PENDING, pending); }
      button.disabled = true;
      status.textContent = msg("sending");
      fetch(checkoutUrl + "/orders", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": pending.key },
        body: payload,
        credentials: "omit"
      }).then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      }).then(function (result) {
        button.disabled = false;
        if (result.status === 201) {
          var id = result.data.order_id;
          var secret = result.data.order_secret || "";
          remember(id, secret);
          try { window.localStorage.removeItem(CART); window.localStorage.removeItem(PENDING); } catch (e) { /* ignore */ }
          // The secret rides in the fragment: never sent to the shop's host, nor in a Referer.
          window.location.href = box.getAttribute("data-thanks") + "?order=" + encodeURIComponent(id) + "#secret=" + encodeURIComponent(secret);
          return;
        }
        if (result.data && result.data.error === "invalid_request" && Array.isArray(result.data.fields)) {
          showFieldErrors(result.data.fields);
          return;
        }
        if (result.status === 409 && result.data.error === "price_changed") {
          var c2 = cart();
          (result.data.prices || []).forEach(function (p) {
            var l = c2.lines[p.line];
            if (l && l.sku === p.sku) l.unit_price = p.unit_price;
          });
          setCart(c2); render();
          status.textContent = msg("price-changed");
          return;
        }
        if (result.data && typeof result.data.line === "number") {
          var bad = cart().lines[result.data.line];
          if (bad) { unavailable[lineId(bad)] = true; render(); }
        }
        status.textContent = msg("error") + ((result.data && result.data.message) || result.status);
      }).catch(function () {
        button.disabled = false;
        status.textContent = msg("network");
      });
    });

    render();
    refresh();
  }

  // Thanks page: the order as the hook has it, asked with the order's secret (from the URL's
  // fragment, or kept in this browser at checkout): its number, lines, total and what to do next.
  function thanksPage(box) {
    var number = document.getElementById("order-number");
    var step = document.getElementById("next-step");
    var payBox = document.getElementById("pay-box");
    var pay = document.getElementById("pay");
    var msg = function (name) { return box.getAttribute("data-msg-" + name) || ""; };
    var byUrl = /[?&]order=([A-Za-z0-9-]{1,40})/.exec(window.location.search);
    var bySecret = /(?:^#|&)secret=([A-Za-z0-9_-]{8,100})/.exec(window.location.hash);
    var known = load(ORDERS, []);
    if (!Array.isArray(known)) known = [];
    var id = byUrl ? byUrl[1] : (known[0] && known[0].id);
    var secret = bySecret ? bySecret[1] : null;
    known.forEach(function (o) { if (!secret && o && o.id === id) secret = o.secret; });
    if (id) number.textContent = id;
    if (!id || !secret) { step.textContent = msg("unknown"); return; }

    function show(order) {
      var format = new Intl.NumberFormat(locale, { style: "currency", currency: order.currency });
      var list = document.getElementById("order-lines");
      list.textContent = "";
      order.lines.forEach(function (l) {
        var li = document.createElement("li");
        var title = document.createElement("span");
        title.textContent = l.title + " × " + l.qty;
        var price = document.createElement("span");
        price.className = "price";
        price.textContent = format.format(cents(l.line_total) / 100);
        li.appendChild(title); li.appendChild(price); list.appendChild(li);
      });
      var total = format.format(cents(order.total) / 100);
      document.getElementById("order-total").textContent = total;
      document.getElementById("order-details").hidden = false;
      number.textContent = order.order_id;
      var p = order.payment || {};
      var text = msg(order.status);
      if (order.status === "placed") {
        if (p.method === "link" && p.url && /^https?:\/\//.test(p.url)) {
          var expires = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(p.expires_at));
          text = msg("link").replace("{expires}", expires);
          pay.href = p.url;
          pay.textContent = msg("pay") + " " + total;
          payBox.hidden = false;
        } else if (p.method === "link") {
          text = msg("expired");
        } else {
          text = msg(p.method === "cod" ? "cod" : "contact");
        }
      }
      step.textContent = text;
    }

    fetch(checkoutUrl + "/orders/" + encodeURIComponent(id), {
      headers: { "Authorization": "Bearer " + secret },
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      if (response.status === 404) { step.textContent = msg("unknown"); return null; }
      if (!response.ok) throw new Error(String(response.status));
      return response.json().then(show);
    }).catch(function () {
      step.textContent = msg("offline");
    });
  }

  count();
  var buy = document.getElementById("buy");
  if (buy) productPage(buy);
  var box = document.getElementById("cart");
  var form = document.getElementById("checkout");
  if (box && form) cartPage(box, form);
  var thanks = document.getElementById("thanks");
  if (thanks) thanksPage(thanks);
})();
