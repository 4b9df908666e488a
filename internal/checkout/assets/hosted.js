(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("cfg").textContent);
  var form = document.getElementById("pay");
  var btn = document.getElementById("submit");
  var alertBox = document.getElementById("alert");
  var done = document.getElementById("done");
  var T = cfg.text;
  var polls = 0;
  var payLabel = btn.textContent;
  // One Idempotency-Key per attempt: a resent request (double submit,
  // network retry) replays the first answer instead of charging again.
  var attemptN = 0;
  function tr(msg) { return (T.messages && T.messages[msg]) || msg; }

  function show(el, on) { el.classList.toggle("hidden", !on); }
  function clearErrors() {
    form.querySelectorAll(".err").forEach(function (e) { e.textContent = ""; });
    form.querySelectorAll("input").forEach(function (i) { i.removeAttribute("aria-invalid"); });
    show(alertBox, false);
  }
  function fieldError(name, msg) {
    var e = document.getElementById("err-" + name);
    var i = document.getElementById(name);
    if (e) { e.textContent = tr(msg); }
    if (i) { i.setAttribute("aria-invalid", "true"); }
    return !!e;
  }
  function alertMsg(msg) { alertBox.textContent = tr(msg); show(alertBox, true); }
  function first(v) { return Array.isArray(v) ? v[0] : (typeof v === "string" ? v : ""); }
  function applyErrors(body) {
    var shown = false;
    ["payer", "card"].forEach(function (group) {
      var g = body[group];
      if (!g) { return; }
      if (Array.isArray(g)) { shown = fieldError(group === "card" ? "number" : "name", g[0]) || shown; return; }
      Object.keys(g).forEach(function (k) {
        var id = group === "card" ? ({number: "number", exp_month: "exp", exp_year: "exp", cvc: "cvc"})[k] : k;
        shown = fieldError(id, first(g[k])) || shown;
      });
    });
    if (!shown) { alertMsg(body.detail || first(body.non_field_errors) || T.generic); }
  }
  function reason(r) { return T.reasons[r] || T.reasons.other; }
  function finish(intent) {
    if (intent.status === "finalized" || intent.status === "captured") {
      // captured: the money is taken; the invoice follows when it is issued
      var issued = intent.status === "finalized";
      show(form, false);
      document.getElementById("done-invoice").textContent = issued ? (intent.invoice_number || intent.invoice || "") : T.invoiceLater;
      document.getElementById("done-intent").textContent = intent.id;
      var pdf = document.getElementById("done-pdf");
      pdf.href = cfg.intentsURL + intent.id + "/pdf/?format=pdf";
      show(pdf, issued);
      if (!issued) { document.getElementById("done-text").textContent = T.receivedLater; }
      show(done, true);
      if (cfg.returnURL) {
        setTimeout(function () {
          window.location.assign(cfg.returnURL + (cfg.returnURL.indexOf("?") < 0 ? "?" : "&") + "intent=" + encodeURIComponent(intent.id));
        }, 2500);
      }
      return;
    }
    btn.disabled = false;
    btn.textContent = payLabel;
    if (intent.status === "failed") { alertMsg(reason(intent.failed_reason)); }
    else if (intent.status === "cancelled") { alertMsg(T.cancelled); }
  }
  function poll(intentID) {
    fetch(cfg.intentsURL + intentID + "/", {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
      .then(function (res) {
        if (!res.ok) { finish({status: "failed"}); return; }
        var s = res.body.status;
        if (s === "finalized" || s === "failed" || s === "cancelled") { finish(res.body); return; }
        if (s === "captured" && polls >= 1) { finish(res.body); return; }
        if (++polls > 60) { btn.disabled = false; btn.textContent = payLabel; alertMsg(T.slow); return; }
        setTimeout(function () { poll(intentID); }, 2000);
      })
      .catch(function () { setTimeout(function () { poll(intentID); }, 2000); });
  }
  function digits(s) { return s.replace(/[^0-9]/g, ""); }
  // Stripe links: the card fields are Stripe's (an iframe of Stripe.js);
  // the card goes from this browser to Stripe and only the PaymentMethod
  // id comes to Cobro.
  var stripe = null, stripeCard = null;
  var num = document.getElementById("number"), exp = document.getElementById("exp");
  if (cfg.stripeKey) {
    if (window.Stripe) {
      stripe = window.Stripe(cfg.stripeKey);
      stripeCard = stripe.elements({locale: document.documentElement.lang}).create("card", {hidePostalCode: true});
      stripeCard.mount("#card-element");
      stripeCard.on("change", function (ev) { document.getElementById("err-number").textContent = ev.error ? ev.error.message : ""; });
    } else {
      alertMsg(T.stripeMissing);
      btn.disabled = true;
    }
  } else {
    num.addEventListener("input", function () {
      var d = digits(num.value).slice(0, 19);
      num.value = d.replace(/(.{4})/g, "$1 ").trim();
    });
    exp.addEventListener("input", function () {
      var d = digits(exp.value).slice(0, 4);
      exp.value = d.length > 2 ? d.slice(0, 2) + " / " + d.slice(2) : d;
    });
  }
  function send(body) {
    fetch(cfg.intentsURL, {method: "POST", headers: {"Content-Type": "application/json", "Idempotency-Key": cfg.attempt + "-" + attemptN}, body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (b) { return {status: r.status, body: b}; }); })
      .then(function (res) {
        attemptN++;
        if (res.status !== 201) {
          btn.disabled = false; btn.textContent = payLabel;
          if (res.status === 429) { alertMsg(res.body.detail); } else { applyErrors(res.body); }
          return;
        }
        var intent = res.body;
        if (intent.status === "requires_authentication" && intent.next_action) {
          window.location.assign(intent.next_action.url);
          return;
        }
        if (intent.status === "finalized" || intent.status === "failed" || intent.status === "cancelled") { finish(intent); return; }
        poll(intent.id);
      })
      .catch(function () { btn.disabled = false; btn.textContent = payLabel; alertMsg(T.network); });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearErrors();
    var payer = {};
    cfg.payerFields.forEach(function (f) { var el = document.getElementById(f); if (el) { payer[f] = el.value; } });
    if (stripe) {
      btn.disabled = true;
      btn.textContent = T.processing;
      stripe.createPaymentMethod({type: "card", card: stripeCard, billing_details: {name: payer.name || undefined, email: payer.email || undefined}})
        .then(function (res) {
          if (res.error) { btn.disabled = false; btn.textContent = payLabel; fieldError("number", res.error.message); return; }
          send({payer: payer, payment_method: res.paymentMethod.id});
        });
      return;
    }
    var e = digits(exp.value);
    if (e.length < 3) { fieldError("exp", T.badExpiry); return; }
    var month = parseInt(e.slice(0, 2), 10), year = parseInt(e.slice(2), 10);
    btn.disabled = true;
    btn.textContent = T.processing;
    send({payer: payer, card: {number: num.value, exp_month: month, exp_year: year < 100 ? 2000 + year : year, cvc: document.getElementById("cvc").value}});
  });
  if (cfg.resume) { btn.disabled = true; btn.textContent = T.processing; poll(cfg.resume); }
})();
