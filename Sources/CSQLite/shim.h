// The SQLite C API as Swift sees it, plus the destructor constants Swift cannot import.
#include <sqlite3.h>

static inline sqlite3_destructor_type journey_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type journey_sqlite_static(void) { return SQLITE_STATIC; }

/// Turns off SQLite's memory statistics, whose global mutex every allocation takes (sqlite3_config is variadic,
/// which Swift cannot call). Only effective before SQLite initializes; returns SQLITE_MISUSE after.
static inline int journey_sqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

/// A virtual table and its cursor as SQLite wants them (its struct first), each with a pointer to the Swift object
/// that serves it.
typedef struct journey_vtab {
    sqlite3_vtab base;
    void *owner;
} journey_vtab;

typedef struct journey_vtab_cursor {
    sqlite3_vtab_cursor base;
    void *state;
} journey_vtab_cursor;
