// Cobro dashboard: small progressive enhancements. Every page works
// without this file; forms post and links navigate as plain HTML.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  // the workspace and mode selects switch at once
  document.querySelectorAll('select[data-autosubmit]').forEach(function (sel) {
    sel.addEventListener('change', function () { sel.form.submit(); });
  });

  // forms that need a confirmation (finalize, credit note, new token)
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (!window.confirm(f.getAttribute('data-confirm'))) { e.preventDefault(); }
    });
  });

  // copy buttons (payment links, tokens)
  document.querySelectorAll('button[data-copy]').forEach(function (b) {
    b.addEventListener('click', function () {
      var text = b.getAttribute('data-copy');
      var done = function () { var old = b.textContent; b.textContent = '✓'; setTimeout(function () { b.textContent = old; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () {});
      } else {
        var input = b.parentNode.querySelector('input');
        if (input) { input.select(); try { document.execCommand('copy'); done(); } catch (e) {} }
      }
    });
  });

  // the invoice line editor: add and remove rows; totals come from the
  // API when the draft is saved
  var lines = document.getElementById('lines');
  var add = document.getElementById('add-line');
  if (lines && add) {
    var n = lines.children.length;
    add.addEventListener('click', function () {
      var row = lines.children[lines.children.length - 1].cloneNode(true);
      row.querySelectorAll('.error').forEach(function (e) { e.remove(); });
      row.querySelectorAll('.invalid').forEach(function (e) { e.classList.remove('invalid'); });
      row.querySelectorAll('input').forEach(function (input) {
        var base = input.id.split('-')[0];
        input.id = base + '-' + n;
        input.previousElementSibling.setAttribute('for', input.id);
        input.value = input.name === 'line_quantity' ? '1' : '';
      });
      n++;
      lines.appendChild(row);
      row.querySelector('input').focus();
    });
    lines.addEventListener('click', function (e) {
      if (e.target.classList.contains('remove-line') && lines.children.length > 1) {
        e.target.closest('.line').remove();
      }
    });
  }
})();
