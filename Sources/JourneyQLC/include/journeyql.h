/*
 * journeyql.h: the C interface of JourneyQL, for tools written in C, Python (ctypes, cffi), Go (cgo) or Node (ffi).
 *
 * Link with libjourneyql (swift build --product journeyql builds .build/debug/libjourneyql.so).
 *
 * A handle is one store opened on one connection. Calls on one handle run one at a time (a second caller waits);
 * jql_interrupt may be called from any thread. Strings returned by the library belong to it: the JSON of a run stays
 * valid until the next jql_run or jql_close on the same handle, the last error until the next call on the same
 * thread. Every string passed in and out is UTF-8.
 */
#ifndef JOURNEYQL_H
#define JOURNEYQL_H

#ifdef __cplusplus
extern "C" {
#endif

/* How jql_open opens a store: nothing is made or written unless the mode says so. */
enum {
    JQL_READ_ONLY = 0,  /* an existing store, only read */
    JQL_READ_WRITE = 1, /* an existing store, read and written; a missing file is an error */
    JQL_CREATE = 2      /* a new store when the file is missing or empty; an existing store opens read-write */
};

/* Status codes: 0 for success, else the exit status the journey command leaves with for the same failure. */
enum {
    JQL_OK = 0,
    JQL_INVALID = 65,    /* a statement that does not parse or check, a bad input file, a file that is no store */
    JQL_NOT_FOUND = 66,  /* no store (or no input file) at that path */
    JQL_FAILED = 70,     /* anything else (including a bad argument, such as a NULL handle) */
    JQL_BUSY = 75,       /* another connection holds the write lock */
    JQL_CANCELLED = 130  /* stopped by jql_interrupt */
};

typedef struct jql_handle jql_handle;

/* The library's version, such as "0.3.0". */
const char *jql_version(void);

/* Opens the store at path. Returns NULL on failure: jql_last_error() says why, jql_last_status() gives the code. */
jql_handle *jql_open(const char *path, int mode);

/* Runs one or more statements separated by ';'. Returns a status code. On success jql_result_json() holds what the
 * statements produced; on failure jql_last_error() says why (diagnostics drawn with the offending line and a caret)
 * and jql_result_json() holds the error as JSON. */
int jql_run(jql_handle *handle, const char *statements);

/* The JSON of the last jql_run on this handle:
 *   success: {"ok": true, "outputs": [ ... ]}, each output one of
 *     {"type": "result", "kind": "funnel", "part": 0, "title": "...", "columns": [{"name": "step", "type": "integer"}, ...],
 *      "rows": [[1, "awareness", 4, ...], ...], "notes": ["..."]}
 *       (durations are seconds, times milliseconds since 1970 UTC, percentages 0 to 100, missing values null)
 *     {"type": "message", "text": "..."}
 *     {"type": "diagnostic", "severity": "warning", "id": "...", "message": "...", "line": 1, "column": 5, ...}
 *     {"type": "expectation", "passed": true, "summary": "..."}
 *   failure: {"ok": false, "code": "invalidStatement", "status": 65, "message": "...", "diagnostics": [ ... ]}
 * NULL before the first run. */
const char *jql_result_json(jql_handle *handle);

/* Stops the statement running on handle, from any thread; jql_run then returns JQL_CANCELLED. */
void jql_interrupt(jql_handle *handle);

/* The message of this thread's last failure ("" if none). */
const char *jql_last_error(void);

/* The status code of this thread's last call that returns one, or of the last jql_open. */
int jql_last_status(void);

/* Closes the store and frees the handle (NULL is ignored). */
void jql_close(jql_handle *handle);

#ifdef __cplusplus
}
#endif

#endif
