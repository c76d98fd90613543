// Dashboard filters: apply a choice at once (the "Tampilkan" button does the same without script).
// A funding source already implies its year, so choosing one clears the other.
(function () {
  var form = document.querySelector("form.filters");
  if (!form) return;
  var funding = form.elements.funding, year = form.elements.year;
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select === funding && funding.value) year.value = "";
      if (select === year && year.value) funding.value = "";
      form.submit();
    });
  });
})();
