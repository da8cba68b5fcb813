// libedit's readline-compatible API. Always <editline/readline.h>: GNU readline's header would
// compile and link against libedit with mismatched structures.
#include <stdio.h>
#include <editline/readline.h>
