// Reads iCalendar files with Mozilla's ical.js and prints, per file, every event's UID,
// STATUS and start and end as UTC instants (ISO 8601). Used by tests/roster/test_ical_parsers.py
// as a reader independent of the Python icalendar package that writes the feeds.
// Times with a TZID are resolved through the VTIMEZONE of the same file (ical.js has no
// time-zone database of its own), so a wrong VTIMEZONE shows up as a wrong instant.
import ICAL from "ical.js";
import { readFileSync } from "node:fs";

const out = {};
for (const path of process.argv.slice(2)) {
  const root = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  out[path] = root.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const utc = (time) => time.toJSDate().toISOString();
    return {
      uid: event.uid,
      status: vevent.getFirstPropertyValue("status"),
      tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
      start: utc(event.startDate),
      end: utc(event.endDate),
    };
  });
}
process.stdout.write(JSON.stringify(out));
