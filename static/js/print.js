// Buttons marked data-print open the browser's print dialog. They are hidden in the
// HTML and shown here, so nobody sees a button that cannot work without JavaScript.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
