// wsload: the benchmark's native load generator and publisher (see bench/README.md).
//
// One epoll loop on one thread: N WebSocket clients to 127.0.0.1 (Engine.IO v4 / Socket.IO v5 with a JWT
// per client in `auth`, or the raw-ws baseline's JSON), each subscribed to one symbol, plus a publisher on
// the server's `POST /api/v1/publish` over keep-alive connections. Publisher and receivers share one clock,
// so the stamp the publisher writes into `volume` gives the end-to-end latency of every delivered message.
//
// Driven over stdin/stdout, one command and one JSON reply per line:
//   connect FROM TO                 -> {"ok","failed","elapsedMs","p99Ms","firstError"}
//   offer RATE DURATION_MS GRACE_MS -> publish RATE items/s, then the trial's counters (see reply_offer)
//   drain BOUND_MS                  -> {"drainMs"}: until 250 ms pass without a delivery
//   close FROM TO                   -> {"closed"}: closes those clients' sockets at once (a reconnect storm's start)
//   quit                            -> exits 0 (so does end of stdin: the runner is gone)
//
// `--workload market --subs FILE --plan FILE --batch-ms N`: clients on `/market`, client i subscribed to
// depth, trades and ticker of the symbols on line i of FILE (indexes into --symbols, comma-separated); the
// publisher cycles through the plan (one "SYMBOL_INDEX KIND" per line, KIND d = depth delta, t = trade,
// k = ticker) and sends what is due once per batch. The first depth item of each symbol is a snapshot.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

enum mode { MODE_SIO, MODE_WS };
enum cstate { C_CONNECTING, C_HTTP, C_EIO_OPEN, C_NSP, C_SUB, C_READY, C_DEAD };
enum tag { TAG_CONN = 0, TAG_PUB = 1, TAG_STDIN = 2, TAG_TIMER = 3 };

#define MAX_SYMBOLS 64
#define MAX_SUBS 8
#define MARKET_CHANNELS 3
#define PUB_CONNS 4
#define PUB_MAX_BATCH 1000
#define READ_BUF (1 << 20)
#define MAX_FRAME (16 << 20)

typedef struct {
  int fd;
  uint8_t state;
  uint8_t seen;      // a price.update arrived (the first may be the subscribe snapshot: not timed)
  uint8_t counted;   // finished connecting (ok or failed) for the current connect command
  uint8_t *rest;     // bytes of a partial frame left from the previous read
  uint32_t rest_len, rest_cap;
  int64_t last_seq;
  int64_t started_us;
  uint8_t n_subs;
  uint8_t subs[MAX_SUBS];                      // symbol indexes this client subscribes
  uint32_t m_seen;                             // market: bit (channel * MAX_SUBS + slot) = a message arrived
  int32_t m_seq[MARKET_CHANNELS * MAX_SUBS];   // market: last seq per channel x symbol (-1: none yet)
} conn_t;

typedef struct {
  int fd;
  int busy;
  int items;
  char *out;
  size_t out_len, out_off, out_cap;
  char *in;
  size_t in_len, in_cap;
  int64_t idle_since_us;
} pub_t;

// Latency/connect histogram: 1 us buckets below 100 ms, 1 ms buckets above (to ~100 s).
#define H_FINE 100000
#define H_COARSE 100000
typedef struct {
  uint32_t b[H_FINE + H_COARSE];
  uint64_t count;
  int64_t max;
} hist_t;

static void hist_add(hist_t *h, int64_t us) {
  if (us < 0) us = 0;
  int64_t i = us < H_FINE ? us : H_FINE + (us - H_FINE) / 1000;
  if (i >= H_FINE + H_COARSE) i = H_FINE + H_COARSE - 1;
  h->b[i]++;
  h->count++;
  if (us > h->max) h->max = us;
}
static void hist_reset(hist_t *h) { memset(h, 0, sizeof *h); }
static int64_t hist_pct(const hist_t *h, double pct) {
  if (h->count == 0) return 0;
  uint64_t want = (uint64_t)((pct / 100.0) * (double)h->count + 0.5);
  if (want < 1) want = 1;
  uint64_t seen = 0;
  for (int64_t i = 0; i < H_FINE + H_COARSE; i++) {
    seen += h->b[i];
    if (seen >= want) return i < H_FINE ? i : H_FINE + (i - H_FINE) * 1000;
  }
  return h->max;
}

static enum mode mode = MODE_SIO;
static int market;  // --workload market
static const char *nsp = "/prices";
static int64_t batch_us;  // market: the publisher sends once per batch
static int64_t next_batch_us;
// Clients' subscriptions (market), and the plan the publisher cycles through.
static uint8_t (*client_subs)[MAX_SUBS];
static uint8_t *client_n_subs;
static int n_client_subs;
static uint8_t *plan_symbol;
static char *plan_kind;
static int plan_len;
static uint8_t depth_started[MAX_SYMBOLS];
// Subscribed clients per symbol, counting ready connections: what one item of that symbol is delivered to.
static uint32_t sym_ready[MAX_SYMBOLS];
static uint64_t o_expected;
static int port;
static int server_pid = -1;
static int concurrency = 200;
static int64_t timeout_us = 30 * 1000000LL;
// Shortest time between two polls (us). A wake-up per frame costs more than reading the frame on a VM; a
// short nap lets frames of many connections gather, at the price of up to this much added latency.
static int64_t poll_us = 200;
static char **tokens;
static int n_tokens;
static char *pub_token;
static char *symbols[MAX_SYMBOLS];
static int n_symbols;
static int epfd;
static conn_t *conns;
static int n_conns_max;
static uint8_t *rbuf;
static hist_t lat_hist, conn_hist;
static pub_t pubs[PUB_CONNS];
static uint32_t rng = 0x9e3779b9u;

// Counters since the last `offer` (received, gaps, drops) or `connect`.
static uint64_t received, received_since_poll, gaps, drops;
// What the generator's own cost depends on: read calls and polls since the last `offer`.
static uint64_t reads, polls;

// The command in progress.
enum cmd { CMD_NONE, CMD_CONNECT, CMD_OFFER, CMD_DRAIN };
static enum cmd cmd = CMD_NONE;
static int c_next, c_to, c_from, c_inflight, c_ok, c_failed;
static int64_t c_started_us;
static char c_first_error[160];
// offer
static double o_rate;
static int64_t o_started_us, o_until_us, o_grace_us, o_stopped_us, o_reply_at_us;
static uint64_t o_due, o_produced, o_offered, o_accepted, o_failed, o_counter;
static double o_max_lag_ms;
static int o_inflight;
static double o_gen_cpu0, o_srv_cpu0, o_gen_cpu, o_srv_cpu;
static int64_t o_cpu_window_us;
static int o_phase;  // 0 publishing, 1 waiting for responses, 2 grace
// drain
static int64_t d_started_us, d_bound_us, d_next_poll_us;

static int64_t now_mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
static int64_t now_real_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double self_cpu_sec(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static double proc_cpu_sec(int pid) {
  if (pid <= 0) return -1;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  p += 2;
  // Fields after the command: state(3) ... utime(14) stime(15), i.e. the 12th and 13th from here.
  unsigned long long ut = 0, st = 0;
  for (int field = 3; field <= 15 && *p; field++) {
    if (field == 14) ut = strtoull(p, NULL, 10);
    if (field == 15) st = strtoull(p, NULL, 10);
    p = strchr(p, ' ');
    if (!p) break;
    p++;
  }
  long hz = sysconf(_SC_CLK_TCK);
  return (double)(ut + st) / (double)(hz > 0 ? hz : 100);
}

static void reply(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stdout, fmt, ap);
  va_end(ap);
  fputc('\n', stdout);
  fflush(stdout);
}

static void die(const char *msg) {
  fprintf(stderr, "wsload: %s: %s\n", msg, strerror(errno));
  exit(2);
}

static uint32_t xorshift(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static void ep_ctl(int op, int fd, uint32_t events, uint64_t data) {
  struct epoll_event ev = {.events = events, .data.u64 = data};
  if (epoll_ctl(epfd, op, fd, &ev) < 0 && op != EPOLL_CTL_DEL) die("epoll_ctl");
}
static uint64_t conn_tag(int i) { return ((uint64_t)TAG_CONN << 32) | (uint32_t)i; }

static struct sockaddr_in server_addr(void) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// ---------------------------------------------------------------------------------------------- clients

static int send_all(int fd, const void *p, size_t n) {
  const char *s = p;
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;  // a client frame is tiny: a full send buffer means the connection is broken
    }
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

/** One masked client frame (text or pong). */
static int ws_send(conn_t *c, int opcode, const char *payload, size_t len) {
  uint8_t frame[4096 + 14];
  if (len > 4096) return -1;
  size_t h = 0;
  frame[h++] = (uint8_t)(0x80 | opcode);
  if (len < 126) {
    frame[h++] = (uint8_t)(0x80 | len);
  } else {
    frame[h++] = 0x80 | 126;
    frame[h++] = (uint8_t)(len >> 8);
    frame[h++] = (uint8_t)len;
  }
  uint32_t key = xorshift();
  uint8_t k[4] = {(uint8_t)key, (uint8_t)(key >> 8), (uint8_t)(key >> 16), (uint8_t)(key >> 24)};
  memcpy(frame + h, k, 4);
  h += 4;
  for (size_t i = 0; i < len; i++) frame[h + i] = (uint8_t)payload[i] ^ k[i & 3];
  return send_all(c->fd, frame, h + len);
}
static int ws_text(conn_t *c, const char *s) { return ws_send(c, 1, s, strlen(s)); }

static void connect_finished(conn_t *c, int ok, const char *error) {
  if (cmd != CMD_CONNECT || c->counted) return;
  c->counted = 1;
  c_inflight--;
  if (ok) {
    c_ok++;
    hist_add(&conn_hist, now_mono_us() - c->started_us);
  } else {
    c_failed++;
    if (!c_first_error[0] && error) {
      snprintf(c_first_error, sizeof c_first_error, "%s", error);
      // It goes into a JSON string: no quotes, backslashes or control characters.
      for (char *q = c_first_error; *q; q++)
        if (*q == '"' || *q == '\\' || (unsigned char)*q < 0x20) *q = *q == '"' ? '\'' : ' ';
    }
  }
}

/** Closes a client's socket; returns whether it was ready (subscribed and counted as a receiver). */
static int conn_teardown(conn_t *c) {
  int was_ready = c->state == C_READY;
  ep_ctl(EPOLL_CTL_DEL, c->fd, 0, 0);
  close(c->fd);
  c->fd = -1;
  c->state = C_DEAD;
  free(c->rest);
  c->rest = NULL;
  c->rest_len = c->rest_cap = 0;
  if (was_ready)
    for (int k = 0; k < c->n_subs; k++) sym_ready[c->subs[k]]--;
  return was_ready;
}

static void conn_kill(conn_t *c, const char *why) {
  if (c->state == C_DEAD) return;
  if (conn_teardown(c)) drops++;
  else connect_finished(c, 0, why);
}

static void conn_ready(conn_t *c) {
  c->state = C_READY;
  for (int k = 0; k < c->n_subs; k++) sym_ready[c->subs[k]]++;
  connect_finished(c, 1, NULL);
}

static void subscribe(conn_t *c, int i) {
  char list[MAX_SUBS * 48] = "";
  size_t l = 0;
  for (int k = 0; k < c->n_subs; k++)
    l += (size_t)snprintf(list + l, sizeof list - l, "%s\"%s\"", k ? "," : "", symbols[c->subs[k]]);
  const char *channels = market ? "\"channels\":[\"depth\",\"trades\",\"ticker\"]," : "";
  char msg[1024];
  if (mode == MODE_SIO)
    snprintf(msg, sizeof msg, "42%s,1[\"subscribe\",{%s\"symbols\":[%s]}]", nsp, channels, list);
  else
    snprintf(msg, sizeof msg, "{\"type\":\"subscribe\",%s\"symbols\":[%s]}", channels, list);
  (void)i;
  if (ws_text(c, msg) < 0) conn_kill(c, "write failed");
  else c->state = C_SUB;
}

static int64_t parse_int(const uint8_t *p, const uint8_t *end) {
  int64_t v = 0;
  int neg = 0;
  if (p < end && *p == '-') neg = 1, p++;
  while (p < end && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
  return neg ? -v : v;
}

static void time_stamp(const uint8_t *v, const uint8_t *end, int64_t now_us);

/** A price.update: count it, check its seq, time it from the publisher's stamp in `volume`. */
static void on_price(conn_t *c, const uint8_t *p, size_t n, int64_t now_us) {
  received++;
  received_since_poll++;
  const uint8_t *end = p + n;
  const uint8_t *s = memmem(p, n, "\"seq\":", 6);
  int first = !c->seen;
  c->seen = 1;
  if (s) {
    int64_t seq = parse_int(s + 6, end);
    if (c->last_seq >= 0 && seq != c->last_seq + 1 && seq != c->last_seq) gaps++;
    c->last_seq = seq;
  }
  if (first) return;
  const uint8_t *v = memmem(p, n, "\"volume\":\"", 10);
  if (!v) return;
  time_stamp(v + 10, end, now_us);
}

/** The publisher's stamp (ms with 3 decimals, as a JSON string's digits at v) against the read's time. */
static void time_stamp(const uint8_t *v, const uint8_t *end, int64_t now_us) {
  int64_t ms = 0, frac = 0;
  int digits = 0;
  while (v < end && *v >= '0' && *v <= '9') ms = ms * 10 + (*v++ - '0');
  if (v < end && *v == '.') {
    v++;
    while (v < end && *v >= '0' && *v <= '9' && digits < 3) frac = frac * 10 + (*v++ - '0'), digits++;
  }
  while (digits++ < 3) frac *= 10;
  int64_t stamp_us = ms * 1000 + frac;
  int64_t lat = now_us - stamp_us;
  if (lat > -600000000LL && lat < 600000000LL) hist_add(&lat_hist, lat);
}

static int starts(const uint8_t *p, size_t n, const char *lit) {
  size_t l = strlen(lit);
  return n >= l && memcmp(p, lit, l) == 0;
}

/**
 * A market.depth / market.trades / market.ticker (p at the event name after "market."): count it, check the
 * seq of its channel x symbol, time it unless it is that subscription's first message (the snapshot or the
 * latest ticker a subscribe sends). The stamp is the first bid's quantity, the trade's quantity or `last`.
 */
static void on_market(conn_t *c, const uint8_t *p, size_t n, int64_t now_us) {
  received++;
  received_since_poll++;
  const uint8_t *end = p + n;
  int ch = starts(p, n, "depth") ? 0 : starts(p, n, "trades") ? 1 : starts(p, n, "ticker") ? 2 : -1;
  if (ch < 0) return;
  const uint8_t *s = memmem(p, n, "\"symbol\":\"", 10);
  if (!s) return;
  s += 10;
  const uint8_t *q = memchr(s, '"', (size_t)(end - s));
  if (!q) return;
  int slot = -1;
  for (int k = 0; k < c->n_subs; k++) {
    const char *name = symbols[c->subs[k]];
    if (strlen(name) == (size_t)(q - s) && memcmp(name, s, (size_t)(q - s)) == 0) slot = k;
  }
  if (slot < 0) return;
  int bit = ch * MAX_SUBS + slot;
  int first = !(c->m_seen & (1u << bit));
  c->m_seen |= 1u << bit;
  const uint8_t *sq = memmem(p, n, "\"seq\":", 6);
  if (sq) {
    int32_t seq = (int32_t)parse_int(sq + 6, end);
    int32_t last = c->m_seq[bit];
    if (last >= 0 && seq != last + 1 && seq != last && !memmem(p, n, "\"type\":\"snapshot\"", 17)) gaps++;
    c->m_seq[bit] = seq;
  }
  if (first) return;
  const uint8_t *v = NULL;
  if (ch == 0) {
    v = memmem(p, n, "\"bids\":[[\"", 10);
    if (v) v = memmem(v + 10, (size_t)(end - v - 10), "\",\"", 3);
    if (v) v += 3;
  } else {
    v = ch == 1 ? memmem(p, n, "\"quantity\":\"", 12) : memmem(p, n, "\"last\":\"", 8);
    if (v) v += ch == 1 ? 12 : 8;
  }
  if (v) time_stamp(v, end, now_us);
}

static char SIO_PRICE[64], SIO_MARKET[64], SIO_OPEN_NSP[64], SIO_REFUSED[64], SIO_ACK[64], SIO_CLOSED[64];
static const char WS_PRICE[] = "{\"event\":\"price.update\",";
static const char WS_MARKET[] = "{\"event\":\"market.";

static void init_prefixes(void) {
  snprintf(SIO_PRICE, sizeof SIO_PRICE, "42%s,[\"price.update\",", nsp);
  snprintf(SIO_MARKET, sizeof SIO_MARKET, "42%s,[\"market.", nsp);
  snprintf(SIO_OPEN_NSP, sizeof SIO_OPEN_NSP, "40%s,", nsp);
  snprintf(SIO_REFUSED, sizeof SIO_REFUSED, "44%s,", nsp);
  snprintf(SIO_ACK, sizeof SIO_ACK, "43%s,1", nsp);
  snprintf(SIO_CLOSED, sizeof SIO_CLOSED, "41%s,", nsp);
}

static void on_text(conn_t *c, int i, const uint8_t *p, size_t n, int64_t now_us) {
  if (mode == MODE_WS) {
    if (market && starts(p, n, WS_MARKET)) {
      if (c->state == C_READY) on_market(c, p + strlen(WS_MARKET), n - strlen(WS_MARKET), now_us);
    } else if (starts(p, n, WS_PRICE)) {
      if (c->state == C_READY) on_price(c, p, n, now_us);
    } else if (c->state == C_SUB && memmem(p, n, "\"subscribed\"", 12)) {
      conn_ready(c);
    }
    return;
  }
  if (market && starts(p, n, SIO_MARKET)) {
    size_t l = strlen(SIO_MARKET);
    if (c->state == C_READY || c->state == C_SUB) on_market(c, p + l, n - l, now_us);
    return;
  }
  if (starts(p, n, SIO_PRICE)) {
    if (c->state == C_READY || c->state == C_SUB) on_price(c, p, n, now_us);
    return;
  }
  if (n == 1 && p[0] == '2') {
    if (ws_text(c, "3") < 0) conn_kill(c, "write failed");
    return;
  }
  if (c->state == C_EIO_OPEN && n > 0 && p[0] == '0') {
    char msg[4200];
    if (i < n_tokens && tokens[i][0])
      snprintf(msg, sizeof msg, "40%s,{\"token\":\"%s\"}", nsp, tokens[i]);
    else
      snprintf(msg, sizeof msg, "40%s,", nsp);
    if (ws_text(c, msg) < 0) conn_kill(c, "write failed");
    else c->state = C_NSP;
  } else if (c->state == C_NSP && starts(p, n, SIO_OPEN_NSP)) {
    subscribe(c, i);
  } else if (starts(p, n, SIO_REFUSED)) {
    char why[140];
    snprintf(why, sizeof why, "namespace refused: %.*s", (int)(n > 120 ? 120 : n), (const char *)p);
    conn_kill(c, why);
  } else if (c->state == C_SUB && starts(p, n, SIO_ACK)) {
    if (memmem(p, n, "\"ok\":true", 9)) {
      conn_ready(c);
    } else {
      char why[140];
      snprintf(why, sizeof why, "subscribe refused: %.*s", (int)(n > 120 ? 120 : n), (const char *)p);
      conn_kill(c, why);
    }
  } else if (starts(p, n, SIO_CLOSED) || (n == 1 && p[0] == '1')) {
    conn_kill(c, "closed by the server");
  }
}

/** Handles every complete frame in p[0..n); returns how many bytes it consumed (-1: connection killed). */
static long on_frames(conn_t *c, int i, const uint8_t *p, size_t n, int64_t now_us) {
  size_t off = 0;
  while (n - off >= 2) {
    const uint8_t *f = p + off;
    size_t avail = n - off;
    int opcode = f[0] & 0x0f;
    uint64_t len = f[1] & 0x7f;
    size_t h = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = ((uint64_t)f[2] << 8) | f[3];
      h = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int k = 2; k < 10; k++) len = (len << 8) | f[k];
      h = 10;
    }
    if (f[1] & 0x80 || len > MAX_FRAME) {
      conn_kill(c, "bad frame from the server");
      return -1;
    }
    if (avail < h + len) break;
    const uint8_t *payload = f + h;
    if (!(f[0] & 0x80)) {
      conn_kill(c, "fragmented frame (not supported)");
      return -1;
    }
    if (opcode == 1 || opcode == 2) {
      on_text(c, i, payload, (size_t)len, now_us);
    } else if (opcode == 9) {
      if (ws_send(c, 10, (const char *)payload, (size_t)len) < 0) {
        conn_kill(c, "write failed");
        return -1;
      }
    } else if (opcode == 8) {
      conn_kill(c, "close frame from the server");
      return -1;
    }
    if (c->state == C_DEAD) return -1;
    off += h + (size_t)len;
  }
  return (long)off;
}

static void conn_readable(int i) {
  conn_t *c = &conns[i];
  size_t have = c->rest_len;
  if (have) memcpy(rbuf, c->rest, have);
  ssize_t r = read(c->fd, rbuf + have, READ_BUF - have);
  reads++;
  if (r < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    conn_kill(c, strerror(errno));
    return;
  }
  if (r == 0) {
    conn_kill(c, "connection closed");
    return;
  }
  size_t n = have + (size_t)r;
  int64_t now_us = now_real_us();
  size_t off = 0;
  if (c->state == C_HTTP) {
    uint8_t *end = memmem(rbuf, n, "\r\n\r\n", 4);
    if (!end) {
      off = 0;  // keep reading the response head
    } else {
      if (n < 12 || memcmp(rbuf + 9, "101", 3) != 0) {
        char why[140];
        snprintf(why, sizeof why, "upgrade refused: %.*s", (int)(n > 40 ? 40 : n), (const char *)rbuf);
        for (char *q = why; *q; q++)
          if (*q == '\r' || *q == '\n') *q = ' ';
        conn_kill(c, why);
        return;
      }
      off = (size_t)(end + 4 - rbuf);
      if (mode == MODE_WS) subscribe(c, i);
      else c->state = C_EIO_OPEN;
      if (c->state == C_DEAD) return;
    }
  }
  if (c->state != C_HTTP) {
    long used = on_frames(c, i, rbuf + off, n - off, now_us);
    if (used < 0) return;
    off += (size_t)used;
  }
  size_t left = n - off;
  if (left > (size_t)MAX_FRAME) {
    conn_kill(c, "frame too large");
    return;
  }
  if (left > c->rest_cap) {
    c->rest = realloc(c->rest, left);
    if (!c->rest) die("realloc");
    c->rest_cap = (uint32_t)left;
  }
  if (left) memmove(c->rest, rbuf + off, left);
  c->rest_len = (uint32_t)left;
}

static const char *upgrade_path(void) {
  return mode == MODE_SIO ? "/socket.io/?EIO=4&transport=websocket" : "/ws";
}

static void conn_writable(int i) {
  conn_t *c = &conns[i];
  if (c->state != C_CONNECTING) return;
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) {
    errno = err;
    conn_kill(c, strerror(err));
    return;
  }
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   upgrade_path(), port);
  if (send_all(c->fd, req, (size_t)n) < 0) {
    conn_kill(c, strerror(errno));
    return;
  }
  c->state = C_HTTP;
  ep_ctl(EPOLL_CTL_MOD, c->fd, EPOLLIN, conn_tag(i));
}

static void conn_start(int i) {
  conn_t *c = &conns[i];
  memset(c, 0, sizeof *c);
  c->last_seq = -1;
  for (int k = 0; k < MARKET_CHANNELS * MAX_SUBS; k++) c->m_seq[k] = -1;
  if (market && i < n_client_subs) {
    c->n_subs = client_n_subs[i];
    memcpy(c->subs, client_subs[i], MAX_SUBS);
  } else {
    c->n_subs = 1;
    c->subs[0] = (uint8_t)(i % n_symbols);
  }
  c->started_us = now_mono_us();
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    c->state = C_DEAD;
    c_inflight++;
    c->counted = 0;
    connect_finished(c, 0, strerror(errno));
    return;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = server_addr();
  c->state = C_CONNECTING;
  c_inflight++;
  if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
    conn_kill(c, strerror(errno));
    return;
  }
  ep_ctl(EPOLL_CTL_ADD, c->fd, EPOLLIN | EPOLLOUT, conn_tag(i));
}

static void connect_pump(void) {
  while (cmd == CMD_CONNECT && c_inflight < concurrency && c_next < c_to) conn_start(c_next++);
  if (cmd == CMD_CONNECT && c_next >= c_to && c_inflight == 0) {
    double elapsed_ms = (double)(now_mono_us() - c_started_us) / 1000.0;
    reply("{\"ok\":%d,\"failed\":%d,\"elapsedMs\":%.1f,\"p99Ms\":%.2f,\"firstError\":\"%s\"}", c_ok, c_failed,
          elapsed_ms, (double)hist_pct(&conn_hist, 99) / 1000.0, c_first_error);
    cmd = CMD_NONE;
  }
}

static void connect_timeouts(int64_t now) {
  if (cmd != CMD_CONNECT) return;
  for (int i = c_from; i < c_next; i++) {
    conn_t *c = &conns[i];
    if (!c->counted && c->state != C_DEAD && c->state != C_READY && now - c->started_us > timeout_us)
      conn_kill(c, "timeout");
  }
}

// -------------------------------------------------------------------------------------------- publisher

static uint64_t pub_tag(int k) { return ((uint64_t)TAG_PUB << 32) | (uint32_t)k; }

static int pub_open(pub_t *p, int k) {
  p->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (p->fd < 0) return -1;
  struct sockaddr_in a = server_addr();
  if (connect(p->fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(p->fd);
    p->fd = -1;
    return -1;
  }
  int one = 1;
  setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
  ep_ctl(EPOLL_CTL_ADD, p->fd, EPOLLIN, pub_tag(k));
  p->in_len = 0;
  p->idle_since_us = now_mono_us();
  return 0;
}

static void pub_close(pub_t *p) {
  if (p->fd >= 0) {
    ep_ctl(EPOLL_CTL_DEL, p->fd, 0, 0);
    close(p->fd);
  }
  p->fd = -1;
}

static void pub_done(pub_t *p, int ok) {
  if (!p->busy) return;
  p->busy = 0;
  o_inflight--;
  if (ok) o_accepted += (uint64_t)p->items;
  else o_failed += (uint64_t)p->items;
  p->idle_since_us = now_mono_us();
}

static void buf_reserve(char **b, size_t *cap, size_t need) {
  if (need <= *cap) return;
  size_t c = *cap ? *cap : 4096;
  while (c < need) c *= 2;
  *b = realloc(*b, c);
  if (!*b) die("realloc");
  *cap = c;
}

static void pub_flush(pub_t *p, int k) {
  while (p->out_off < p->out_len) {
    ssize_t w = write(p->fd, p->out + p->out_off, p->out_len - p->out_off);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        ep_ctl(EPOLL_CTL_MOD, p->fd, EPOLLIN | EPOLLOUT, pub_tag(k));
        return;
      }
      pub_done(p, 0);
      pub_close(p);
      return;
    }
    p->out_off += (size_t)w;
  }
  ep_ctl(EPOLL_CTL_MOD, p->fd, EPOLLIN, pub_tag(k));
}

/** The next item of the market plan, as JSON at out (at most 400 bytes); returns its length. */
static size_t market_item(char *out, int j, int64_t now) {
  uint64_t ctr = o_counter++;
  int k = (int)(ctr % (uint64_t)plan_len);
  int sym = plan_symbol[k];
  o_expected += sym_ready[sym];
  const char *sep = j ? "," : "";
  long long ms = (long long)(now / 1000), us = (long long)(now % 1000);
  if (plan_kind[k] == 't')
    return (size_t)sprintf(out,
                           "%s{\"event\":\"market.trades\",\"data\":{\"symbol\":\"%s\",\"trades\":[{\"tradeId\":\"t%llu\","
                           "\"price\":\"100.5\",\"quantity\":\"%lld.%03lld\",\"side\":\"%s\"}],\"timestamp\":%lld}}",
                           sep, symbols[sym], (unsigned long long)ctr, ms, us, ctr & 1 ? "sell" : "buy", ms);
  if (plan_kind[k] == 'k')
    return (size_t)sprintf(out,
                           "%s{\"event\":\"market.ticker\",\"data\":{\"symbol\":\"%s\",\"bid\":\"100.25\",\"ask\":\"100.75\","
                           "\"last\":\"%lld.%03lld\",\"timestamp\":%lld}}",
                           sep, symbols[sym], ms, us, ms);
  // Depth: the book's first item is a snapshot; then deltas that set the best bid's quantity to the stamp
  // and move one ask level, so the book and its checksum change with every delta.
  int snapshot = !depth_started[sym];
  depth_started[sym] = 1;
  unsigned level = 101 + (unsigned)(ctr % 5);
  if (snapshot)
    return (size_t)sprintf(out,
                           "%s{\"event\":\"market.depth\",\"data\":{\"symbol\":\"%s\",\"type\":\"snapshot\","
                           "\"bids\":[[\"100\",\"%lld.%03lld\"],[\"99.5\",\"2\"],[\"99\",\"3\"]],"
                           "\"asks\":[[\"101\",\"1\"],[\"102\",\"2\"],[\"103\",\"3\"]],\"timestamp\":%lld}}",
                           sep, symbols[sym], ms, us, ms);
  return (size_t)sprintf(out,
                         "%s{\"event\":\"market.depth\",\"data\":{\"symbol\":\"%s\",\"type\":\"delta\","
                         "\"bids\":[[\"100\",\"%lld.%03lld\"]],\"asks\":[[\"%u\",\"%llu\"]],\"timestamp\":%lld}}",
                         sep, symbols[sym], ms, us, level, (unsigned long long)(ctr % 7), ms);
}

/** One POST of `items` price.updates, round-robin over the symbols, stamped with the send time. */
static void pub_send(pub_t *p, int k, int items) {
  // An idle keep-alive connection may be closed by the server at any moment: use a fresh one instead.
  if (p->fd >= 0 && now_mono_us() - p->idle_since_us > 2000000) pub_close(p);
  if (p->fd < 0 && pub_open(p, k) < 0) {
    o_failed += (uint64_t)items;
    return;
  }
  static char *body;
  static size_t body_cap;
  buf_reserve(&body, &body_cap, (size_t)items * 400 + 16);
  size_t b = 0;
  body[b++] = '[';
  int64_t now = now_real_us();
  for (int j = 0; j < items && market; j++) b += market_item(body + b, j, now);
  for (int j = 0; j < items && !market; j++) {
    uint64_t ctr = o_counter++;
    o_expected += sym_ready[ctr % (uint64_t)n_symbols];
    unsigned cents = 10000 + (unsigned)(ctr % 1000);
    b += (size_t)sprintf(body + b,
                         "%s{\"event\":\"price.update\",\"data\":{\"symbol\":\"%s\",\"price\":\"%u.%02u\",\"bid\":\"%u.%02u\","
                         "\"ask\":\"%u.%02u\",\"volume\":\"%lld.%03lld\",\"timestamp\":%lld}}",
                         j ? "," : "", symbols[ctr % (uint64_t)n_symbols], cents / 100, cents % 100, cents / 100,
                         cents % 100, cents / 100, cents % 100, (long long)(now / 1000), (long long)(now % 1000),
                         (long long)(now / 1000));
  }
  body[b++] = ']';
  buf_reserve(&p->out, &p->out_cap, b + 1024);
  int h = snprintf(p->out, 1024,
                   "POST /api/v1/publish HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                   "Content-Length: %zu\r\n%s%s%s\r\n",
                   port, b, pub_token ? "Authorization: Bearer " : "", pub_token ? pub_token : "",
                   pub_token ? "\r\n" : "");
  memcpy(p->out + h, body, b);
  p->out_len = (size_t)h + b;
  p->out_off = 0;
  p->busy = 1;
  p->items = items;
  o_inflight++;
  pub_flush(p, k);
}

/** Reads a response; once complete (Content-Length or chunked), the request is done. */
static void pub_readable(int k) {
  pub_t *p = &pubs[k];
  for (;;) {
    buf_reserve(&p->in, &p->in_cap, p->in_len + 16384);
    ssize_t r = read(p->fd, p->in + p->in_len, p->in_cap - p->in_len - 1);
    if (r < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      pub_done(p, 0);
      pub_close(p);
      return;
    }
    if (r == 0) {
      pub_done(p, 0);
      pub_close(p);
      return;
    }
    p->in_len += (size_t)r;
  }
  for (;;) {
    p->in[p->in_len] = 0;
    char *head_end = memmem(p->in, p->in_len, "\r\n\r\n", 4);
    if (!head_end) return;
    size_t head = (size_t)(head_end + 4 - p->in);
    size_t total;
    char *cl = strcasestr(p->in, "\r\ncontent-length:");
    if (cl && cl < head_end) {
      total = head + (size_t)strtoul(cl + 17, NULL, 10);
      if (p->in_len < total) return;
    } else {
      char *z = memmem(head_end + 4, p->in_len - head, "0\r\n\r\n", 5);
      if (!z) return;
      total = (size_t)(z + 5 - p->in);
    }
    int status = p->in_len >= 12 ? atoi(p->in + 9) : 0;
    pub_done(p, status == 200 || status == 202);
    memmove(p->in, p->in + total, p->in_len - total);
    p->in_len -= total;
  }
}

static void pub_tick(int64_t now) {
  if (o_rate <= 0) return;
  // Market: what is due goes out once per batch (a feed that publishes every batch_us what changed).
  if (batch_us > 0) {
    if (now < next_batch_us) return;
    next_batch_us += batch_us;
    if (next_batch_us < now) next_batch_us = now + batch_us;
  }
  o_due = (uint64_t)((o_rate * (double)(now - o_started_us)) / 1e6);
  for (int k = 0; k < PUB_CONNS && o_produced < o_due; k++) {
    if (pubs[k].busy) continue;
    uint64_t n = o_due - o_produced;
    if (n > PUB_MAX_BATCH) n = PUB_MAX_BATCH;
    o_produced += n;
    o_offered += n;
    pub_send(&pubs[k], k, (int)n);
  }
  // How late the oldest item still unsent is (every connection busy: the server answers late). Not the
  // backlog in items: at 20 items/s one item due is 50 ms, however promptly it goes out.
  if (o_produced < o_due) {
    double oldest_due_us = (double)o_started_us + (double)o_produced * 1e6 / o_rate;
    double lag = ((double)now - oldest_due_us) / 1000.0;
    if (lag > o_max_lag_ms) o_max_lag_ms = lag;
  }
}

// ---------------------------------------------------------------------------------------------- commands

static void reply_offer(void) {
  double window = (double)(o_stopped_us - o_started_us) / 1e6;
  double cpu_window = (double)o_cpu_window_us / 1e6;
  reply("{\"offered\":%llu,\"accepted\":%llu,\"failed\":%llu,\"maxLagMs\":%.1f,\"received\":%llu,"
        "\"windowSec\":%.4f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"maxMs\":%.3f,\"drops\":%llu,\"gaps\":%llu,"
        "\"generatorCpuPercent\":%.1f,\"serverCpuPercent\":%.1f,\"reads\":%llu,\"polls\":%llu,\"expected\":%llu}",
        (unsigned long long)o_offered, (unsigned long long)o_accepted, (unsigned long long)o_failed, o_max_lag_ms,
        (unsigned long long)received, window, hist_pct(&lat_hist, 50) / 1000.0, hist_pct(&lat_hist, 99) / 1000.0,
        lat_hist.max / 1000.0, (unsigned long long)drops, (unsigned long long)gaps,
        cpu_window > 0 ? (o_gen_cpu - o_gen_cpu0) / cpu_window * 100 : -1,
        cpu_window > 0 && o_srv_cpu0 >= 0 ? (o_srv_cpu - o_srv_cpu0) / cpu_window * 100 : -1,
        (unsigned long long)reads, (unsigned long long)polls, (unsigned long long)o_expected);
}

static void offer_step(int64_t now) {
  if (cmd != CMD_OFFER) return;
  if (o_phase == 0) {
    if (now < o_until_us) {
      pub_tick(now);
      return;
    }
    o_stopped_us = now;
    o_rate = 0;
    o_phase = 1;
  }
  if (o_phase == 1) {
    // Requests in flight still count (bounded); the CPU window ends when the publisher is idle.
    if (o_inflight > 0 && now - o_stopped_us < 10000000) return;
    o_gen_cpu = self_cpu_sec();
    o_srv_cpu = proc_cpu_sec(server_pid);
    o_cpu_window_us = now - o_started_us;
    o_reply_at_us = now + o_grace_us;
    o_phase = 2;
  }
  if (o_phase == 2 && now >= o_reply_at_us) {
    reply_offer();
    cmd = CMD_NONE;
  }
}

static void drain_step(int64_t now) {
  if (cmd != CMD_DRAIN || now < d_next_poll_us) return;
  if (received_since_poll == 0 || now - d_started_us >= d_bound_us) {
    reply("{\"drainMs\":%lld}", (long long)((now - d_started_us) / 1000));
    cmd = CMD_NONE;
    return;
  }
  received_since_poll = 0;
  d_next_poll_us = now + 250000;
}

static void run_command(char *line) {
  int a = 0, b = 0, c = 0;
  double rate = 0;
  if (sscanf(line, "connect %d %d", &a, &b) == 2) {
    if (a < 0 || b > n_conns_max || a > b) {
      reply("{\"error\":\"connect range out of bounds (max %d)\"}", n_conns_max);
      return;
    }
    cmd = CMD_CONNECT;
    c_from = c_next = a;
    c_to = b;
    c_ok = c_failed = c_inflight = 0;
    c_first_error[0] = 0;
    hist_reset(&conn_hist);
    c_started_us = now_mono_us();
    connect_pump();
  } else if (sscanf(line, "offer %lf %d %d", &rate, &b, &c) == 3) {
    cmd = CMD_OFFER;
    received = gaps = drops = reads = polls = 0;
    hist_reset(&lat_hist);
    o_offered = o_accepted = o_failed = o_due = o_produced = o_expected = 0;
    o_max_lag_ms = 0;
    o_phase = 0;
    o_rate = rate;
    o_gen_cpu0 = self_cpu_sec();
    o_srv_cpu0 = proc_cpu_sec(server_pid);
    o_started_us = now_mono_us();
    o_until_us = o_started_us + (int64_t)b * 1000;
    o_grace_us = (int64_t)c * 1000;
    next_batch_us = o_started_us;
    pub_tick(o_started_us);
  } else if (sscanf(line, "drain %d", &a) == 1) {
    cmd = CMD_DRAIN;
    d_started_us = now_mono_us();
    d_bound_us = (int64_t)a * 1000;
    received_since_poll = 0;
    d_next_poll_us = d_started_us + 250000;
  } else if (sscanf(line, "close %d %d", &a, &b) == 2) {
    if (a < 0 || b > n_conns_max || a > b) {
      reply("{\"error\":\"close range out of bounds (max %d)\"}", n_conns_max);
      return;
    }
    // The clients' side of a lost node: every socket closed at once, not counted as a drop.
    int closed = 0;
    for (int i = a; i < b; i++)
      if (conns[i].state != C_DEAD) {
        conn_teardown(&conns[i]);
        closed++;
      }
    reply("{\"closed\":%d}", closed);
  } else if (strncmp(line, "quit", 4) == 0) {
    exit(0);
  } else {
    reply("{\"error\":\"unknown command\"}");
  }
}

static void stdin_readable(void) {
  static char buf[4096];
  static size_t len;
  ssize_t r = read(0, buf + len, sizeof buf - 1 - len);
  if (r <= 0) {
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    exit(0);  // the runner is gone
  }
  len += (size_t)r;
  char *nl;
  while ((nl = memchr(buf, '\n', len)) != NULL) {
    *nl = 0;
    if (cmd == CMD_NONE) run_command(buf);
    else reply("{\"error\":\"busy\"}");
    size_t used = (size_t)(nl + 1 - buf);
    memmove(buf, nl + 1, len - used);
    len -= used;
  }
  if (len >= sizeof buf - 1) len = 0;
}

// -------------------------------------------------------------------------------------------------- main

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die(path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (!s || fread(s, 1, (size_t)n, f) != (size_t)n) die(path);
  s[n] = 0;
  fclose(f);
  return s;
}

static void usage(void);

/** Reads the clients' subscriptions and the publisher's plan (see the header). */
static void load_market(const char *subs_path, const char *plan_path) {
  char *subs = slurp(subs_path);
  client_subs = calloc((size_t)n_conns_max, sizeof *client_subs);
  client_n_subs = calloc((size_t)n_conns_max, 1);
  if (!client_subs || !client_n_subs) die("calloc");
  for (char *line = strtok(subs, "\n"); line && n_client_subs < n_conns_max; line = strtok(NULL, "\n")) {
    int k = 0;
    for (char *q = line; *q && k < MAX_SUBS;) {
      int idx = atoi(q);
      if (idx < 0 || idx >= n_symbols) usage();
      client_subs[n_client_subs][k++] = (uint8_t)idx;
      q = strchr(q, ',');
      if (!q) break;
      q++;
    }
    client_n_subs[n_client_subs++] = (uint8_t)k;
  }
  char *plan = slurp(plan_path);
  int cap = 0;
  for (char *line = strtok(plan, "\n"); line; line = strtok(NULL, "\n")) {
    int idx;
    char kind;
    if (sscanf(line, "%d %c", &idx, &kind) != 2 || idx < 0 || idx >= n_symbols) usage();
    if (plan_len == cap) {
      cap = cap ? cap * 2 : 1024;
      plan_symbol = realloc(plan_symbol, (size_t)cap);
      plan_kind = realloc(plan_kind, (size_t)cap);
      if (!plan_symbol || !plan_kind) die("realloc");
    }
    plan_symbol[plan_len] = (uint8_t)idx;
    plan_kind[plan_len++] = kind;
  }
  if (plan_len == 0) usage();
}

static void usage(void) {
  fprintf(stderr,
          "usage: wsload --port P --mode sio|ws --clients N --symbols A,B,... [--tokens FILE] "
          "[--publisher-token FILE] [--server-pid PID] [--concurrency 200] [--timeout-ms 30000] [--poll-us 200] "
          "[--workload price|market --subs FILE --plan FILE --batch-ms 50]\n");
  exit(2);
}

int main(int argc, char **argv) {
  char *tokens_file = NULL, *pub_token_file = NULL, *symbol_list = NULL, *subs_file = NULL, *plan_file = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--port")) port = atoi(v);
    else if (!strcmp(k, "--mode")) mode = !strcmp(v, "ws") ? MODE_WS : MODE_SIO;
    else if (!strcmp(k, "--clients")) n_conns_max = atoi(v);
    else if (!strcmp(k, "--symbols")) symbol_list = strdup(v);
    else if (!strcmp(k, "--tokens")) tokens_file = (char *)v;
    else if (!strcmp(k, "--publisher-token")) pub_token_file = (char *)v;
    else if (!strcmp(k, "--server-pid")) server_pid = atoi(v);
    else if (!strcmp(k, "--concurrency")) concurrency = atoi(v);
    else if (!strcmp(k, "--timeout-ms")) timeout_us = atoll(v) * 1000;
    else if (!strcmp(k, "--poll-us")) poll_us = atoll(v);
    else if (!strcmp(k, "--workload")) market = !strcmp(v, "market");
    else if (!strcmp(k, "--subs")) subs_file = (char *)v;
    else if (!strcmp(k, "--plan")) plan_file = (char *)v;
    else if (!strcmp(k, "--batch-ms")) batch_us = atoll(v) * 1000;
    else usage();
  }
  if (port <= 0 || n_conns_max <= 0 || !symbol_list || concurrency <= 0) usage();
  for (char *s = strtok(symbol_list, ","); s && n_symbols < MAX_SYMBOLS; s = strtok(NULL, ",")) symbols[n_symbols++] = s;
  if (n_symbols == 0) usage();
  if (market) {
    if (!subs_file || !plan_file) usage();
    nsp = "/market";
    load_market(subs_file, plan_file);
  } else {
    batch_us = 0;
  }
  init_prefixes();
  if (tokens_file) {
    char *all = slurp(tokens_file);
    tokens = calloc((size_t)n_conns_max, sizeof *tokens);
    for (char *t = strtok(all, "\n"); t && n_tokens < n_conns_max; t = strtok(NULL, "\n")) tokens[n_tokens++] = t;
  }
  if (pub_token_file) {
    pub_token = slurp(pub_token_file);
    pub_token[strcspn(pub_token, "\r\n")] = 0;
  }
  // One fd per client plus a few: raise the soft limit to the hard one.
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if ((rlim_t)n_conns_max + 64 > rl.rlim_cur)
    fprintf(stderr, "wsload: warning: %d clients need more than the open-file limit %llu\n", n_conns_max,
            (unsigned long long)rl.rlim_cur);
  signal(SIGPIPE, SIG_IGN);
  rng ^= (uint32_t)getpid();
  conns = calloc((size_t)n_conns_max, sizeof *conns);
  rbuf = malloc(READ_BUF);
  if (!conns || !rbuf) die("malloc");
  for (int i = 0; i < n_conns_max; i++) conns[i].state = C_DEAD, conns[i].fd = -1;
  for (int k = 0; k < PUB_CONNS; k++) pubs[k].fd = -1;
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) die("epoll_create1");
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  ep_ctl(EPOLL_CTL_ADD, 0, EPOLLIN, (uint64_t)TAG_STDIN << 32);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (tfd < 0) die("timerfd_create");
  // The publisher's tick, and the clock of timeouts, grace and drain polls.
  struct itimerspec its = {.it_interval = {0, 5000000}, .it_value = {0, 5000000}};
  timerfd_settime(tfd, 0, &its, NULL);
  ep_ctl(EPOLL_CTL_ADD, tfd, EPOLLIN, (uint64_t)TAG_TIMER << 32);
  reply("{\"ready\":true}");

  struct epoll_event evs[1024];
  int64_t last_timeout_scan = 0;
  for (;;) {
    int64_t polled_at = now_mono_us();
    int n = epoll_wait(epfd, evs, 1024, -1);
    polls++;
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int e = 0; e < n; e++) {
      uint32_t tag = (uint32_t)(evs[e].data.u64 >> 32);
      uint32_t id = (uint32_t)evs[e].data.u64;
      uint32_t ev = evs[e].events;
      if (tag == TAG_CONN) {
        conn_t *c = &conns[id];
        if (c->state == C_DEAD) continue;
        if (c->state == C_CONNECTING && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) conn_writable((int)id);
        else if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) conn_readable((int)id);
      } else if (tag == TAG_PUB) {
        pub_t *p = &pubs[id];
        if (p->fd < 0) continue;
        if (ev & EPOLLOUT) pub_flush(p, (int)id);
        if (p->fd >= 0 && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))) pub_readable((int)id);
      } else if (tag == TAG_STDIN) {
        stdin_readable();
      } else if (tag == TAG_TIMER) {
        uint64_t expirations;
        if (read(tfd, &expirations, sizeof expirations) < 0) { /* spurious */ }
        int64_t now = now_mono_us();
        offer_step(now);
        drain_step(now);
        if (now - last_timeout_scan > 500000) {
          connect_timeouts(now);
          last_timeout_scan = now;
        }
      }
    }
    if (cmd == CMD_CONNECT) connect_pump();
    int64_t now = now_mono_us();
    if (cmd == CMD_OFFER) offer_step(now);
    int64_t nap = poll_us - (now - polled_at);
    if (nap > 0 && n > 0) {
      struct timespec ts = {0, (long)nap * 1000};
      nanosleep(&ts, NULL);
    }
  }
}
