// The PostgreSQL client library (libpq) as Swift sees it. Only JourneyPostgres imports this module.
#include <libpq-fe.h>
