// The SQLite C API as Swift sees it, plus the destructor constants Swift cannot import.
#include <sqlite3.h>

static inline sqlite3_destructor_type journey_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type journey_sqlite_static(void) { return SQLITE_STATIC; }
