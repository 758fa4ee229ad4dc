// The card form: Stripe.js (or localstripe's stand-in) turns the card into a token, then the form posts it;
// a card that needs 3-D Secure is finished here too. Loaded as a file: the CSP allows no inline script.
(function () {
  var form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") return;
  var data = form.dataset, stripe = Stripe(data.key), tokenField = document.getElementById("stripe-token");
  var button = document.getElementById("pay-button"), errors = document.getElementById("card-errors");
  var card = stripe.elements().create("card", {hidePostalCode: true});
  card.mount("#card-element");
  form.addEventListener("submit", function (event) {
    if (tokenField.value) return;
    event.preventDefault();
    button.disabled = true;
    stripe.createToken(card).then(function (result) {
      if (result.error || !result.token) {
        errors.textContent = data.cardError;
        button.disabled = false;
        return;
      }
      tokenField.value = result.token.id;
      form.submit();
    });
  });
  if (data.action) {  // the bank wants 3-D Secure: Stripe.js shows it, then the return page settles
    var done = function () { window.location.assign(data["return"]); };
    var next = stripe.handleNextAction ? stripe.handleNextAction({clientSecret: data.secret}) : stripe.confirmCardPayment(data.secret);
    next.then(done, done);
  }
})();
