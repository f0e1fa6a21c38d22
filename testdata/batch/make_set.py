#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a generated set of SmartHub downloads for espi convert --group account.

usage: make_set.py DIR

Three accounts of a co-op in America/Los_Angeles, each with one service location and one
meter, in the shapes of the fixtures of testdata/smarthub/ (README.md in this folder):

  DIR/acct-N/poll-2026-02-0D.json   hourly USAGE + COST poll answers, one day each
                                     (February 2 to 4), and one two-day window
                                     (February 4 and 5) that overlaps the third
  DIR/acct-N/export.csv              the Green Button CSV export of February 5 (hourly, no
                                     cost), the same kWh as the polls; it names the account only
  DIR/acct-N/user-data.json          the user-data answer: account, location, meter, rate
                                     schedule, last bill read dates (true local midnights),
                                     and the personal keys espi must skip

Account 3 is broken: in its two-day window the reading of 2026-02-04 10:00 differs from
the one-day window's (an error under --strict). DIR/stray/poll-truncated.json is a poll
answer cut short (its account cannot be told).

DIR/extra/ holds files of two accounts: polls-2026-02-06.json, a JSON array of the
February 6 polls of accounts 1 and 2 (only-1/ and only-2/ hold each one alone, under the
same name), and user-data-two.json, the user-data of a member with accounts 1 and 2.
"""
import json
import os
import sys
from datetime import datetime, timedelta, timezone

PST = timezone(timedelta(hours=-8))  # February: no DST
ACCOUNTS = [  # account, service location, meter
    ("5100200001", "72000101", "99100001"),
    ("5100200002", "72000202", "99100002"),
    ("5100200003", "72000303", "99100003"),
]


def wall_ms(day, hour):
    """SmartHub's x: the wall clock written as if it were UTC, in milliseconds."""
    return int(datetime(2026, 2, day, hour, tzinfo=timezone.utc).timestamp() * 1000)


def true_ms(day):
    """Local midnight of 2026-02-DAY as a true instant, in milliseconds."""
    return int(datetime(2026, 2, day, tzinfo=PST).timestamp() * 1000)


def kwh(n, day, hour):
    return round(0.2 + ((n * 7 + hour * 13 + day * 5) % 37) / 20, 2)


def meter_item(acct, loc, meter):
    return {"serviceLocationNumber": loc, "accountNumber": acct, "industry": "ELECTRIC",
            "meterNumber": meter, "channel": 1, "flowDirection": "FORWARD", "rate": None,
            "rateName": None, "unitOfMeasure": "KWH", "meterLocation": "9" + loc[1:],
            "isParentMeter": False, "parentMeters": [], "subMeterType": None,
            "isNetMeter": False, "visible": True, "meterName": meter,
            "seriesId": meter + " - Consumption", "color": "#4A92DB"}


def entry(n, acct, loc, meter, days, kind, changed):
    points, intervals = [], {}
    for day in days:
        for hour in range(24):
            x = wall_ms(day, hour)
            y = kwh(n, day, hour)
            if (day, hour) == changed:
                y = round(y + 1.25, 2)
            if kind == "COST":
                y = round(y * 0.1125, 4)
            points.append({"x": x, "y": y, "enableDrilldown": False})
            intervals[str(x)] = {"createTickDrillDownLink": False,
                                 "interval": {"start": x, "end": x + 3600000}}
    return {"serviceLocationNumber": loc, "accountNumber": acct, "industry": "ELECTRIC",
            "timeFrame": "HOURLY", "type": kind,
            "unitOfMeasure": "KWH" if kind == "USAGE" else "USD",
            "startDateTime": true_ms(days[0]), "endDateTime": true_ms(days[-1] + 1),
            "connectDate": "March 3, 2019", "hasDaily": True, "hasHourly": True,
            "meters": [meter_item(acct, loc, meter)],
            "series": [{"type": "column", "name": meter + " - Consumption", "meterNumber": meter,
                        "channel": 1, "isNet": False, "data": points}],
            "estimatedSeries": {}, "editedSeries": {}, "xToOrderedInterval": intervals}


def poll(n, acct, loc, meter, days, changed=None):
    usage = entry(n, acct, loc, meter, days, "USAGE", changed)
    cost = entry(n, acct, loc, meter, days, "COST", changed)
    return {"status": "COMPLETE", "data": {"ELECTRIC": [usage, cost]}}


def export_csv(n, acct, day):
    lines = ["", "========================================", " Usage Information",
             " For: " + acct, " ========================================",
             " Meter Reading Information",
             " Type of readings: Electricity, Energy Consumption, Real energy in kilowatt-hours ",
             " ========================================", " Detailed Usage",
             " ========================================",
             " Start date: 2026-02-%02d 00:00 for 1 days" % day,
             " ========================================",
             " Interval Blockdata for period starting:, 2026-02-%02d 00:00  for 1 days" % day,
             " ========================================",
             " Energy consumption time period,Usage(Real energy in kilowatt-hours),Events occurred"]
    for hour in range(24):
        end_day, end_hour = (day, hour + 1) if hour < 23 else (day + 1, 0)
        lines.append(" 2026-02-%02d %02d:00 to 2026-02-%02d %02d:00,%.3f,," %
                     (day, hour, end_day, end_hour, kwh(n, day, hour)))
    lines += [" ", "  "]
    return "\n".join(lines) + "\n"


def user_data(n, acct, loc, meter):
    summary = {"id": {"srvLocNbr": int(loc), "serviceLocation": loc},
               "location": "30210" + loc[3:],
               "address": {"addr1": "%d EXAMPLE RD" % (100 * n), "city": "BEND", "state": "OR",
                           "zip": "97701"},
               "serviceStatus": "ACTIVE",
               "lastBillPrevReadDtTm": int(datetime(2026, 1, 1, tzinfo=PST).timestamp() * 1000),
               "lastBillPresReadDtTm": true_ms(1),
               "meterNumbersToExternalMeterBaseIds": {meter: loc + "+1", " ": loc + "+2"},
               "activeRateSchedules": ["R1:CEC"]}
    return [{"account": acct, "customer": "70045%d" % n, "customerName": "MEMBER NUMBER %d" % n,
             "email": "member%d@example.com" % n, "phone": "541-555-010%d" % n,
             "inactive": False, "primaryServiceLocationId": loc, "services": ["ELEC"],
             "serviceToServiceDescription": {"ELEC": "Electric Service"},
             "serviceToProviders": {"ELEC": ["CEC"]},
             "serviceLocationToIndustries": {loc: ["ELECTRIC"]},
             "serviceLocationIdToServiceLocationSummary": {loc: summary},
             "isAutoPay": False, "isDisconnected": False, "consumerClassCode": ""}]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="\n") as f:
        f.write(text)


def main(out):
    for n, (acct, loc, meter) in enumerate(ACCOUNTS, 1):
        d = os.path.join(out, "acct-%d" % n)
        for day in (2, 3, 4):
            write(os.path.join(d, "poll-2026-02-%02d.json" % day),
                  json.dumps(poll(n, acct, loc, meter, [day]), indent=1))
        changed = (4, 10) if n == 3 else None
        write(os.path.join(d, "poll-2026-02-04-05.json"),
              json.dumps(poll(n, acct, loc, meter, [4, 5], changed), indent=1))
        write(os.path.join(d, "export.csv"), export_csv(n, acct, 5))
        write(os.path.join(d, "user-data.json"), json.dumps(user_data(n, acct, loc, meter), indent=1))
    text = json.dumps(poll(2, *ACCOUNTS[1], [3]), indent=1)
    write(os.path.join(out, "stray", "poll-truncated.json"), text[: len(text) // 2])
    # files that hold two accounts, and each account's part alone
    e = os.path.join(out, "extra")
    polls = [poll(n, *ACCOUNTS[n - 1], [6]) for n in (1, 2)]
    write(os.path.join(e, "polls-2026-02-06.json"), json.dumps(polls, indent=1))
    for n in (1, 2):
        write(os.path.join(e, "only-%d" % n, "polls-2026-02-06.json"),
              json.dumps([polls[n - 1]], indent=1))
    both = user_data(1, *ACCOUNTS[0]) + user_data(2, *ACCOUNTS[1])
    write(os.path.join(e, "user-data-two.json"), json.dumps(both, indent=1))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_set.py DIR")
    main(sys.argv[1])
