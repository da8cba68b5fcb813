#!/usr/bin/env python3
"""Drives libjourneyql through its C interface (include/journeyql.h) from Python's ctypes, as a Python tool would.

Usage: journeyql_ctypes_test.py LIBJOURNEYQL.so SAMPLES_DIR JOURNEY_BINARY

The expected numbers are the hand-checked ones of samples/tiny.jql (5 customers, 13 events). Exits 0 when every
check holds; any failure raises with what was seen.
"""
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

LIB_PATH, SAMPLES, JOURNEY = sys.argv[1:4]
del sys.argv[1:4]

lib = ctypes.CDLL(LIB_PATH)
lib.jql_version.restype = ctypes.c_char_p
lib.jql_open.restype = ctypes.c_void_p
lib.jql_open.argtypes = [ctypes.c_char_p, ctypes.c_int]
lib.jql_run.restype = ctypes.c_int
lib.jql_run.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
lib.jql_result_json.restype = ctypes.c_char_p
lib.jql_result_json.argtypes = [ctypes.c_void_p]
lib.jql_interrupt.argtypes = [ctypes.c_void_p]
lib.jql_last_error.restype = ctypes.c_char_p
lib.jql_last_status.restype = ctypes.c_int
lib.jql_close.argtypes = [ctypes.c_void_p]

READ_ONLY, READ_WRITE, CREATE = 0, 1, 2


def run(handle, statements):
    status = lib.jql_run(handle, statements.encode())
    return status, json.loads(lib.jql_result_json(handle).decode())


def results(document):
    return [o for o in document["outputs"] if o["type"] == "result"]


def column(result, name):
    index = [c["name"] for c in result["columns"]].index(name)
    return [row[index] for row in result["rows"]]


class CInterfaceTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.folder.name, "tiny.db").encode()

    def tearDown(self):
        self.folder.cleanup()

    def tiny(self):
        handle = lib.jql_open(self.path, CREATE)
        self.assertTrue(handle, lib.jql_last_error())
        status, document = run(handle, "IMPORT '%s'; IMPORT CUSTOMERS '%s'" % (
            os.path.join(SAMPLES, "tiny-events.csv"), os.path.join(SAMPLES, "tiny-customers.csv")))
        self.assertEqual(status, 0, document)
        return handle

    def test_version(self):
        self.assertRegex(lib.jql_version().decode(), r"^\d+\.\d+\.\d+$")

    def test_a_missing_store_is_not_made(self):
        missing = os.path.join(self.folder.name, "typo.db").encode()
        for mode in (READ_ONLY, READ_WRITE):
            self.assertIsNone(lib.jql_open(missing, mode))
            self.assertEqual(lib.jql_last_status(), 66)
            self.assertIn(b"typo.db", lib.jql_last_error())
        self.assertFalse(os.path.exists(missing))
        self.assertIsNone(lib.jql_open(missing, 7))
        self.assertEqual(lib.jql_last_status(), 70)

    def test_a_funnel_as_json(self):
        handle = self.tiny()
        status, document = run(handle, "FROM awareness TO consideration TO purchase WITHIN 30 days")
        self.assertEqual(status, 0)
        self.assertTrue(document["ok"])
        [funnel] = results(document)
        self.assertEqual(funnel["kind"], "funnel")
        # tiny.jql: 4 -> 3 -> 1, 1 then 2 lost, medians 5m and 35m from the previous step.
        self.assertEqual(column(funnel, "customers"), [4, 3, 1])
        self.assertEqual(column(funnel, "lost"), [None, 1, 2])
        self.assertEqual(column(funnel, "median_time_from_previous"), [None, 300, 2100])
        self.assertEqual(column(funnel, "pct_of_first"), [100, 75, 25])
        types = {c["name"]: c["type"] for c in funnel["columns"]}
        self.assertEqual(types["median_time_from_previous"], "duration")
        self.assertEqual(types["customers"], "integer")
        lib.jql_close(handle)

    def test_two_results_and_messages(self):
        handle = self.tiny()
        status, document = run(handle, "TIMES FROM awareness TO purchase")
        self.assertEqual(status, 0)
        summary, histogram = results(document)
        self.assertEqual((summary["part"], histogram["part"]), (0, 1))
        # c1 40m, c3 24h, c4 41d.
        self.assertEqual(column(summary, "converters"), [3])
        self.assertEqual(column(summary, "median"), [86400])
        self.assertEqual(sum(column(histogram, "customers")), 3)
        status, document = run(handle, "LET social = channel = social")
        self.assertEqual(status, 0)
        self.assertEqual([o["type"] for o in document["outputs"]], ["message"])
        status, document = run(handle, "FROM awareness TO purchase WHERE social")
        self.assertEqual(column(results(document)[0], "customers"), [2, 0])
        lib.jql_close(handle)

    def test_a_bad_statement_says_where_and_how_to_fix_it(self):
        handle = self.tiny()
        statement = "FROM awareness TO purchace"
        status, document = run(handle, statement)
        self.assertEqual(status, 65)
        self.assertEqual(lib.jql_last_status(), 65)
        self.assertIn(b"purchace", lib.jql_last_error())
        self.assertFalse(document["ok"])
        self.assertEqual(document["code"], "invalidStatement")
        [found] = document["diagnostics"]
        self.assertEqual((found["id"], found["line"], found["column"]), ("check.unknown-step", 1, 19))
        fix = found["fix_its"][0]
        fixed = statement.encode()[:fix["start"]] + fix["replacement"].encode() + statement.encode()[fix["end"]:]
        self.assertEqual(fixed, b"FROM awareness TO purchase")
        # The handle still works.
        status, document = run(handle, fixed.decode())
        self.assertEqual(column(results(document)[0], "customers"), [4, 3])
        lib.jql_close(handle)

    def test_read_only_refuses_writes(self):
        lib.jql_close(self.tiny())
        handle = lib.jql_open(self.path, READ_ONLY)
        self.assertTrue(handle)
        status, document = run(handle, "IMPORT '%s'" % os.path.join(SAMPLES, "tiny-events.csv"))
        self.assertEqual(status, 65)
        self.assertEqual(document["code"], "readOnly")
        status, document = run(handle, "FROM awareness TO purchase")
        self.assertEqual(column(results(document)[0], "customers"), [4, 3])
        lib.jql_close(handle)
        lib.jql_close(None)

    def test_interrupt_stops_a_running_statement(self):
        # A store large enough that a funnel takes a while: 20,000 generated customers.
        csv = os.path.join(self.folder.name, "events.csv")
        store = os.path.join(self.folder.name, "big.db")
        subprocess.run([JOURNEY, "generate", "--customers", "20000", "--seed", "3", "-o", csv], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([JOURNEY, "import", csv, "--db", store], check=True, stdout=subprocess.DEVNULL)
        handle = lib.jql_open(store.encode(), READ_ONLY)
        self.assertTrue(handle)
        statement = "FROM awareness TO consideration TO purchase THEN retention BY device, week"
        status, document = run(handle, statement)
        self.assertEqual(status, 0, document)
        expected = document
        statuses = []
        for attempt in range(40):
            outcome = {}
            worker = threading.Thread(target=lambda: outcome.update(status=lib.jql_run(handle, statement.encode())))
            worker.start()
            time.sleep(0.001 * (attempt % 10))
            lib.jql_interrupt(handle)
            worker.join()
            statuses.append(outcome["status"])
            if outcome["status"] == 130:
                self.assertEqual(json.loads(lib.jql_result_json(handle))["code"], "cancelled")
                break
            self.assertEqual(outcome["status"], 0)
        self.assertIn(130, statuses)
        # Interrupting when nothing runs does nothing; the next run is whole and gives the same numbers.
        lib.jql_interrupt(handle)
        status, document = run(handle, statement)
        self.assertEqual(status, 0)
        self.assertEqual(document, expected)
        lib.jql_close(handle)


if __name__ == "__main__":
    unittest.main(verbosity=2)
