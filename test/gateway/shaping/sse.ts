/** Test helper: server-sent events as a client sees them. */
/** Server-sent events as a client dispatches them (HTML "Server-sent events" 9.2.6, data only). */
export function sseEvents(text: string): string[] {
  const events: string[] = [];
  let data: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') {
      if (data.length > 0) events.push(data.join('\n'));
      data = [];
    } else if (line.startsWith(':')) continue;
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return events;
}
