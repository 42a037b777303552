/** The dashboard's only script, served as /ui/refresh.js: refreshes the content in place every 10 s, keeping the scroll position. No build step. */
export const refreshJs = `// Refreshes the dashboard's content in place every 10 s, keeping the scroll position; no build step.
(function () {
  if (location.pathname !== '/ui') return;
  async function refresh() {
    try {
      const res = await fetch('/ui?partial=1', { credentials: 'same-origin' });
      if (res.ok) document.getElementById('content').innerHTML = await res.text();
    } catch (e) {
      /* offline for a moment: try again next time */
    }
  }
  setInterval(refresh, 10000);
})();
`;
