/* SQLite's own cost of the customers import's writing (BENCHMARKS.md, issue 14, customers files): 820,000 rows
 * c000001..c820000 upserted into a copy of the 10M store, 256 per statement, as CustomerImporter writes them.
 *   gcc -O2 -o /tmp/upsert-floor scripts/upsert-floor.c -lsqlite3
 *   cp .bench/10m/store.db /tmp/c3.db && /tmp/upsert-floor /tmp/c3.db MODE -65536 268435456
 * MODE: 0 upsert with copied bindings, 1 upsert with bytes bound in place, 2 and 3 one UPDATE per row (copied, in
 * place). The last two arguments are the cache_size and mmap_size pragmas. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
#define N 820000
int main(int argc,char**argv){
  int mode=atoi(argv[2]);
  sqlite3*db; sqlite3_open(argv[1],&db);
  char pr[200]; snprintf(pr,200,"PRAGMA journal_mode=delete; PRAGMA cache_size=%s; PRAGMA mmap_size=%s;",argv[3],argv[4]); sqlite3_exec(db,pr,0,0,0);
  static char keys[N][16]; static char attrs[N][64]; int kl[N], al[N];
  for(int i=0;i<N;i++){kl[i]=sprintf(keys[i],"c%06d",i+1); al[i]=sprintf(attrs[i],"{\"segment\":\"b2b\",\"region\":\"%s\"}", i%3?"emea":"apac");}
  sqlite3_exec(db,"BEGIN",0,0,0);
  double t0=now();
  sqlite3_destructor_type d = (mode&1)? SQLITE_STATIC: SQLITE_TRANSIENT;
  if(mode<2){
    char sql[20000]; strcpy(sql,"INSERT INTO customers(id,key,attrs) VALUES ");
    for(int r=0;r<256;r++) strcat(sql, r? ",(?,?,?)":"(?,?,?)");
    strcat(sql," ON CONFLICT(id) DO UPDATE SET attrs=excluded.attrs");
    sqlite3_stmt*s; if(sqlite3_prepare_v2(db,sql,-1,&s,0)) {printf("%s\n",sqlite3_errmsg(db));return 1;}
    for(int i=0;i+256<=N;i+=256){
      for(int r=0;r<256;r++){int j=i+r; sqlite3_bind_int64(s,3*r+1,j+1); sqlite3_bind_text(s,3*r+2,keys[j],kl[j],d); sqlite3_bind_text(s,3*r+3,attrs[j],al[j],d);}
      if(sqlite3_step(s)!=SQLITE_DONE){printf("%s\n",sqlite3_errmsg(db));return 1;} sqlite3_reset(s);
    }
  } else {
    sqlite3_stmt*s; sqlite3_prepare_v2(db,"UPDATE customers SET attrs=?2 WHERE id=?1",-1,&s,0);
    for(int j=0;j<N;j++){ sqlite3_bind_int64(s,1,j+1); sqlite3_bind_text(s,2,attrs[j],al[j],d);
      if(sqlite3_step(s)!=SQLITE_DONE){printf("%s\n",sqlite3_errmsg(db));return 1;} sqlite3_reset(s);}
  }
  double t1=now();
  sqlite3_exec(db,"COMMIT",0,0,0);
  double t2=now();
  printf("mode %d write %.3f commit %.3f\n",mode,t1-t0,t2-t1);
}
