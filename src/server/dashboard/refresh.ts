/**
 * The dashboard's only script, served as /ui/refresh.js (the CSP allows scripts from 'self' only,
 * none inline): refreshes the content in place, keeping the scroll position. /ui every 10 s; any
 * other page only while it carries an element #auto-refresh (a running incident), at the interval
 * that element names, and it stops once a refreshed copy no longer has one. No build step.
 */
export const refreshJs = `// Refreshes the dashboard's content in place, keeping the scroll position; no build step.
(function () {
  var content = document.getElementById('content');
  if (!content) return;
  var marker = function () { return document.getElementById('auto-refresh'); };
  var main = location.pathname === '/ui';
  if (!main && !marker()) return;
  var every = main ? 10000 : Number(marker().getAttribute('data-refresh-ms')) || 5000;
  var timer;
  async function refresh() {
    try {
      var res = await fetch(location.pathname + '?partial=1', { credentials: 'same-origin' });
      if (res.ok) content.innerHTML = await res.text();
    } catch (e) {
      /* offline for a moment: try again next time */
    }
    if (!main && !marker()) clearInterval(timer);
  }
  timer = setInterval(refresh, every);
})();
`;
