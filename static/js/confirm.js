// A form with data-confirm asks before it is sent (destructive actions). No inline
// handlers: the Content-Security-Policy forbids them.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
