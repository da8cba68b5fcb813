// The SQLite C API as Swift sees it, plus the destructor constants Swift cannot import.
#include <sqlite3.h>

static inline sqlite3_destructor_type journey_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type journey_sqlite_static(void) { return SQLITE_STATIC; }

/// Turns off SQLite's memory statistics, whose global mutex every allocation takes (sqlite3_config is variadic,
/// which Swift cannot call). Only effective before SQLite initializes; returns SQLITE_MISUSE after.
static inline int journey_sqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
