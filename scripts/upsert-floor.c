/* SQLite's own cost of the customers import's writing (BENCHMARKS.md, issue 14, customers files): 820,000 rows
 * c000001..c820000 written into a copy of the 10M store, 256 per statement, as CustomerImporter writes them.
 *   gcc -O2 -o /tmp/upsert-floor scripts/upsert-floor.c -lsqlite3
 *   cp .bench/10m/store.db /tmp/c3.db && /tmp/upsert-floor /tmp/c3.db MODE -65536 268435456
 * MODE: 0 version 4's layout, each row's attributes upserted into customer_attrs (id, attrs), as the import does;
 * 1 version 3's layout, each customer's row of a table (id, key, attrs) given its attributes by an upsert on id
 * (the table is first made from customer_keys and committed, outside the timing). The last two arguments are the
 * cache_size and mmap_size pragmas. The attributes are bound in place (SQLITE_STATIC), as the import binds them. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static void ex(sqlite3*db,const char*s){char*e=0; if(sqlite3_exec(db,s,0,0,&e)){printf("%s: %s\n",s,e);exit(1);}}
#define N 820000
int main(int argc,char**argv){
  if(argc<5){fprintf(stderr,"usage: %s STORE MODE CACHE_SIZE MMAP_SIZE\n",argv[0]);return 2;}
  int mode=atoi(argv[2]);
  sqlite3*db; sqlite3_open(argv[1],&db);
  char pr[200]; snprintf(pr,200,"PRAGMA journal_mode=delete; PRAGMA cache_size=%s; PRAGMA mmap_size=%s;",argv[3],argv[4]); ex(db,pr);
  static char keys[N][16]; static char attrs[N][64]; int kl[N], al[N];
  for(int i=0;i<N;i++){kl[i]=sprintf(keys[i],"c%06d",i+1); al[i]=sprintf(attrs[i],"{\"segment\":\"b2b\",\"region\":\"%s\"}", i%3?"emea":"apac");}
  char sql[20000];
  if(mode==0){
    strcpy(sql,"INSERT INTO customer_attrs(id,attrs) VALUES ");
    for(int r=0;r<256;r++) strcat(sql, r? ",(?,?)":"(?,?)");
  } else {
    ex(db,"CREATE TABLE customers_v3(id INTEGER PRIMARY KEY, key TEXT NOT NULL, attrs TEXT);"
          "INSERT INTO customers_v3(id, key) SELECT id, key FROM customer_keys ORDER BY id;"
          "CREATE UNIQUE INDEX customers_v3_key ON customers_v3(key);");
    strcpy(sql,"INSERT INTO customers_v3(id,key,attrs) VALUES ");
    for(int r=0;r<256;r++) strcat(sql, r? ",(?,?,?)":"(?,?,?)");
  }
  strcat(sql," ON CONFLICT(id) DO UPDATE SET attrs=excluded.attrs");
  sqlite3_stmt*s; if(sqlite3_prepare_v2(db,sql,-1,&s,0)) {printf("%s\n",sqlite3_errmsg(db));return 1;}
  ex(db,"BEGIN");
  double t0=now();
  for(int i=0;i+256<=N;i+=256){
    for(int r=0;r<256;r++){
      int j=i+r;
      if(mode==0){ sqlite3_bind_int64(s,2*r+1,j+1); sqlite3_bind_text(s,2*r+2,attrs[j],al[j],SQLITE_STATIC); }
      else { sqlite3_bind_int64(s,3*r+1,j+1); sqlite3_bind_text(s,3*r+2,keys[j],kl[j],SQLITE_STATIC); sqlite3_bind_text(s,3*r+3,attrs[j],al[j],SQLITE_STATIC); }
    }
    if(sqlite3_step(s)!=SQLITE_DONE){printf("%s\n",sqlite3_errmsg(db));return 1;} sqlite3_reset(s);
  }
  double t1=now();
  ex(db,"COMMIT");
  double t2=now();
  printf("mode %d write %.3f commit %.3f\n",mode,t1-t0,t2-t1);
  return 0;
}
