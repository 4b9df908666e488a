(function () {
  "use strict";
  // The card goes from this browser to Stripe (Stripe.js confirms the
  // SetupIntent); Stripe then sends the payer to cfg.returnURL, where
  // Cobro reads the SetupIntent from Stripe before saving anything.
  var cfg = JSON.parse(document.getElementById("cfg").textContent);
  var form = document.getElementById("card-setup");
  var btn = document.getElementById("submit");
  var alertBox = document.getElementById("alert");
  function alertMsg(msg) { alertBox.textContent = msg; alertBox.classList.remove("hidden"); }
  if (!window.Stripe) {
    alertMsg(cfg.text.stripeMissing);
    btn.disabled = true;
    return;
  }
  var stripe = window.Stripe(cfg.key);
  var elements = stripe.elements({clientSecret: cfg.secret, locale: document.documentElement.lang});
  elements.create("payment").mount("#payment-element");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    alertBox.classList.add("hidden");
    btn.disabled = true;
    btn.textContent = cfg.text.saving;
    stripe.confirmSetup({elements: elements, confirmParams: {return_url: cfg.returnURL}}).then(function (res) {
      // only errors come back here: success leaves for returnURL
      if (res.error) {
        alertMsg(res.error.message);
        btn.disabled = false;
        btn.textContent = cfg.text.save;
      }
    });
  });
})();
