"""The officers' console (issue 10): server-rendered pages on the API's own services and rules, served
by the API process at `/console`. This first part: signing in (the development sign-in page), the
worklist of the journeys in the signed-in person's region that wait for an officer, refreshed in place
with htmx, and the pages' headers (a Content-Security-Policy without inline script)."""
