/*
 * splitkey's native group backend: an N-API addon over libdecaf's ristretto255 ("decaf_255")
 * instance. Every group and scalar operation is libdecaf's; this file only moves bytes between
 * JavaScript and the library, and composes RFC 9380 expand_message_xmd from libdecaf's SHA-512.
 * crypto/group-native.ts wraps it behind the Group interface; test/group.test.ts and the RFC 9496 /
 * RFC 9497 vector tests prove it byte-identical to @noble/curves and libsodium.
 *
 * Timing: every operation here is constant time in its scalars (libdecaf's scalarmul, precomputed
 * base table, double_scalarmul and scalar arithmetic are), except the VARIABLE-time ones, which
 * are only for public scalars and points: `mulBaseAddVartime` (decaf_255_base_double_scalarmul_
 * non_secret, proof verification), `multiScalarMulVartime` (DLEQ composites) and the inner sum of
 * `mulSum` (whose outer multiplication by a secret is constant time). Point decoding branches on
 * validity only, which is public.
 */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <decaf/point_255.h>
#include <decaf/sha512.h>

#define BYTES 32
/* The interface version crypto/native-addon.ts expects (NATIVE_ABI there). */
#define SPLITKEY_NATIVE_ABI 3

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, "ERR_SPLITKEY_NATIVE", msg);
  return NULL;
}

/* Argument i as a byte view of exactly `len` bytes (len 0: any length, multiple of `unit`). */
static int get_bytes(napi_env env, napi_value v, size_t len, size_t unit, const uint8_t **out, size_t *out_len, const char *what) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) {
    napi_throw_type_error(env, "ERR_SPLITKEY_NATIVE", what);
    return 0;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_SPLITKEY_NATIVE", what);
    return 0;
  }
  if ((len && length != len) || (!len && unit && length % unit != 0)) {
    napi_throw_range_error(env, "ERR_SPLITKEY_NATIVE", what);
    return 0;
  }
  *out = length ? (const uint8_t *)data : (const uint8_t *)"";
  if (out_len) *out_len = length;
  return 1;
}

static napi_value new_bytes(napi_env env, const uint8_t *src, size_t len) {
  void *data;
  napi_value ab, ta;
  if (napi_create_arraybuffer(env, len, &data, &ab) != napi_ok) return NULL;
  memcpy(data, src, len);
  if (napi_create_typedarray(env, napi_uint8_array, len, ab, 0, &ta) != napi_ok) return NULL;
  return ta;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != want) {
    napi_throw_type_error(env, "ERR_SPLITKEY_NATIVE", "wrong number of arguments");
    return 0;
  }
  return 1;
}

/* Scalars are reduced modulo the group order on the way in (canonicity is checked in TypeScript). */
static void scalar_in(decaf_255_scalar_t s, const uint8_t *bytes) {
  decaf_255_scalar_decode_long(s, bytes, BYTES);
}

static napi_value scalar_out(napi_env env, decaf_255_scalar_t s) {
  uint8_t buf[BYTES];
  decaf_255_scalar_encode(buf, s);
  decaf_255_scalar_destroy(s);
  napi_value r = new_bytes(env, buf, BYTES);
  decaf_bzero(buf, BYTES);
  return r;
}

static napi_value point_out(napi_env env, decaf_255_point_t p) {
  uint8_t buf[BYTES];
  decaf_255_point_encode(buf, p);
  decaf_255_point_destroy(p);
  return new_bytes(env, buf, BYTES);
}

/* Decode a canonical encoding; the identity is allowed (callers refuse it where RFC 9497 does). */
static int point_in(napi_env env, decaf_255_point_t p, const uint8_t *bytes, const char *what) {
  if (decaf_255_point_decode(p, bytes, DECAF_TRUE) != DECAF_SUCCESS) {
    throw_error(env, what);
    return 0;
  }
  return 1;
}

#define ARGS(n) napi_value argv[n]; if (!get_args(env, info, n, argv)) return NULL
#define BYTES_ARG(i, name, len, msg) const uint8_t *name; if (!get_bytes(env, argv[i], len, 0, &name, NULL, msg)) return NULL

static napi_value is_canonical(napi_env env, napi_callback_info info) {
  ARGS(1);
  BYTES_ARG(0, enc, BYTES, "element: expected 32 bytes");
  decaf_255_point_t p;
  napi_value r;
  napi_get_boolean(env, decaf_255_point_decode(p, enc, DECAF_TRUE) == DECAF_SUCCESS, &r);
  return r;
}

/* k·P, constant time in k. */
static napi_value mul(napi_env env, napi_callback_info info) {
  ARGS(2);
  BYTES_ARG(0, k, BYTES, "scalar: expected 32 bytes");
  BYTES_ARG(1, enc, BYTES, "element: expected 32 bytes");
  decaf_255_point_t p;
  decaf_255_scalar_t s;
  if (!point_in(env, p, enc, "mul: not a canonical ristretto255 encoding")) return NULL;
  scalar_in(s, k);
  decaf_255_point_scalarmul(p, p, s);
  decaf_255_scalar_destroy(s);
  return point_out(env, p);
}

/* k·G from libdecaf's precomputed base table (constant-time comb). */
static napi_value mul_base(napi_env env, napi_callback_info info) {
  ARGS(1);
  BYTES_ARG(0, k, BYTES, "scalar: expected 32 bytes");
  decaf_255_point_t p;
  decaf_255_scalar_t s;
  scalar_in(s, k);
  decaf_255_precomputed_scalarmul(p, decaf_255_precomputed_base, s);
  decaf_255_scalar_destroy(s);
  return point_out(env, p);
}

static napi_value add_or_sub(napi_env env, napi_callback_info info, int subtract) {
  ARGS(2);
  BYTES_ARG(0, a, BYTES, "element: expected 32 bytes");
  BYTES_ARG(1, b, BYTES, "element: expected 32 bytes");
  decaf_255_point_t p, q;
  if (!point_in(env, p, a, "add: not a canonical ristretto255 encoding")) return NULL;
  if (!point_in(env, q, b, "add: not a canonical ristretto255 encoding")) return NULL;
  if (subtract) decaf_255_point_sub(p, p, q); else decaf_255_point_add(p, p, q);
  return point_out(env, p);
}
static napi_value add(napi_env env, napi_callback_info info) { return add_or_sub(env, info, 0); }
static napi_value sub(napi_env env, napi_callback_info info) { return add_or_sub(env, info, 1); }

/* The packed weights and points of a multi-scalar multiplication: equal in number, at least one. */
static int get_terms(napi_env env, napi_value *argv, const uint8_t **w, const uint8_t **pts, size_t *n, const char *what) {
  size_t wl, pl;
  if (!get_bytes(env, argv[0], 0, BYTES, w, &wl, "weights: expected packed 32-byte scalars")) return 0;
  if (!get_bytes(env, argv[1], 0, BYTES, pts, &pl, "points: expected packed 32-byte elements")) return 0;
  if (wl != pl || wl == 0) {
    throw_error(env, what);
    return 0;
  }
  *n = wl / BYTES;
  return 1;
}

/*
 * acc += w1·P1 + w2·P2 through libdecaf's constant-time double_scalarmul, or acc += w1·P1 when
 * there is no second term (P2 NULL). The scalars are wiped.
 */
static void add_pair(decaf_255_point_t acc, const struct decaf_255_point_s *p1, const uint8_t *w1, const struct decaf_255_point_s *p2, const uint8_t *w2) {
  decaf_255_point_t term;
  decaf_255_scalar_t s1, s2;
  scalar_in(s1, w1);
  if (p2) {
    scalar_in(s2, w2);
    decaf_255_point_double_scalarmul(term, p1, s1, p2, s2);
    decaf_255_scalar_destroy(s2);
  } else {
    decaf_255_point_scalarmul(term, p1, s1);
  }
  decaf_255_scalar_destroy(s1);
  decaf_255_point_add(acc, acc, term);
  decaf_255_point_destroy(term);
}

/*
 * Σ w_i·P_i over packed weights and points: every point decoded once, pairs through libdecaf's
 * constant-time double_scalarmul, sums on internal points, one encoding at the end. Constant
 * time in the weights (the client's combination weights λ_i·r_j⁻¹ involve its secret blinds).
 */
static napi_value multi_scalar_mul(napi_env env, napi_callback_info info) {
  ARGS(2);
  const uint8_t *w, *pts;
  size_t n;
  if (!get_terms(env, argv, &w, &pts, &n, "multiScalarMul: weights and points differ in number or are empty")) return NULL;
  decaf_255_point_t acc, p1, p2;
  decaf_255_point_copy(acc, decaf_255_point_identity);
  for (size_t i = 0; i < n; i += 2) {
    int pair = i + 1 < n;
    if (!point_in(env, p1, pts + i * BYTES, "multiScalarMul: not a canonical ristretto255 encoding")) return NULL;
    if (pair && !point_in(env, p2, pts + (i + 1) * BYTES, "multiScalarMul: not a canonical ristretto255 encoding")) return NULL;
    add_pair(acc, p1, w + i * BYTES, pair ? p2 : NULL, pair ? w + (i + 1) * BYTES : NULL);
  }
  return point_out(env, acc);
}

/*
 * Σ w_i·P_i in VARIABLE TIME, for PUBLIC weights and points only: the DLEQ composites
 * M = Σ d_i·C_i and Z = Σ d_i·D_i, whose weights d_i are hashed from the transcript, and the
 * client's Σ W_i·Z_i[j] with the integer Lagrange weights W_i (mul_sum below). Never call it with
 * a secret weight.
 *
 * Each weight w is reduced and replaced by −w (with −P) when that is shorter, so a small negative
 * integer is short too. Then, by the longest weight and the number of terms:
 *  - every weight at most SHORT_BITS bits: binary double-and-add over all terms at once (the
 *    integer Lagrange weights of a small node set have a few bits);
 *  - below VARTIME_MIN_TERMS terms: libdecaf's double_scalarmul in pairs (constant time, same
 *    result; the bucket method costs more there);
 *  - otherwise the bucket method (Pippenger): each weight is cut into c-bit digits; for each
 *    window, from the top, the accumulator is doubled c times, every point is added to the bucket
 *    of its digit, and Σ_j j·bucket_j is formed with two running sums.
 * Every point and scalar operation is libdecaf's (decode, add, double, negate, scalar negation,
 * encode); this function only schedules them.
 */
#define VARTIME_MIN_TERMS 16
#define SHORT_BITS 64
static unsigned digit_at(const uint8_t *k, unsigned bit, unsigned c) {
  unsigned byte = bit / 8, v = k[byte];
  if (byte + 1 < BYTES) v |= (unsigned)k[byte + 1] << 8;
  if (byte + 2 < BYTES) v |= (unsigned)k[byte + 2] << 16;
  return (v >> (bit % 8)) & ((1u << c) - 1);
}

static unsigned bit_length(const uint8_t *k) {
  for (unsigned b = BYTES; b-- > 0;) {
    if (k[b]) return b * 8 + (32 - (unsigned)__builtin_clz((unsigned)k[b]));
  }
  return 0;
}

static void bucket_sum(decaf_255_point_t acc, decaf_255_point_t *P, const uint8_t *K, size_t n, decaf_255_point_t *bucket, uint8_t *used, unsigned c) {
  unsigned nb = (1u << c) - 1, windows = (253 + c - 1) / c;
  decaf_255_point_t running, sum;
  decaf_255_point_copy(acc, decaf_255_point_identity);
  for (unsigned win = windows; win-- > 0;) {
    for (unsigned d = 0; d < c; d++) decaf_255_point_double(acc, acc);
    memset(used, 0, nb);
    for (size_t i = 0; i < n; i++) {
      unsigned dg = digit_at(K + i * BYTES, win * c, c);
      if (!dg) continue;
      if (used[dg - 1]) decaf_255_point_add(bucket[dg - 1], bucket[dg - 1], P[i]);
      else { decaf_255_point_copy(bucket[dg - 1], P[i]); used[dg - 1] = 1; }
    }
    /* Σ j·bucket_j = Σ_j (Σ_{m ≥ j} bucket_m): a running sum from the top, summed again. */
    int started = 0;
    for (unsigned j = nb; j-- > 0;) {
      if (used[j]) {
        if (started) decaf_255_point_add(running, running, bucket[j]);
        else { decaf_255_point_copy(running, bucket[j]); decaf_255_point_copy(sum, bucket[j]); started = 1; continue; }
      }
      if (started) decaf_255_point_add(sum, sum, running);
    }
    if (started) decaf_255_point_add(acc, acc, sum);
  }
}

/* The vartime sum into `acc`; 0 (with a JavaScript exception pending) on bad input. */
static int sum_vartime(napi_env env, decaf_255_point_t acc, const uint8_t *w, const uint8_t *pts, size_t n, const char *bad_point, const char *no_memory) {
  unsigned c = n < 64 ? 4 : n < 192 ? 5 : n < 768 ? 6 : 7;
  unsigned nb = (1u << c) - 1;
  /* libdecaf's points are declared 32-byte aligned; malloc promises only 16. */
  decaf_255_point_t *P = NULL, *bucket = NULL;
  if (posix_memalign((void **)&P, 32, n * sizeof(decaf_255_point_t)) != 0) P = NULL;
  if (posix_memalign((void **)&bucket, 32, nb * sizeof(decaf_255_point_t)) != 0) bucket = NULL;
  uint8_t *K = malloc(n * BYTES);
  uint8_t *used = malloc(nb);
  if (!P || !K || !bucket || !used) {
    free(P); free(K); free(bucket); free(used);
    throw_error(env, no_memory);
    return 0;
  }
  unsigned longest = 0;
  for (size_t i = 0; i < n; i++) {
    if (!point_in(env, P[i], pts + i * BYTES, bad_point)) {
      free(P); free(K); free(bucket); free(used);
      return 0;
    }
    decaf_255_scalar_t s, neg;
    uint8_t negated[BYTES];
    scalar_in(s, w + i * BYTES);
    decaf_255_scalar_encode(K + i * BYTES, s); /* reduced: below the order, < 2^253 */
    decaf_255_scalar_sub(neg, decaf_255_scalar_zero, s);
    decaf_255_scalar_encode(negated, neg);
    /* (−w)·(−P) = w·P: the shorter of the two. */
    if (bit_length(negated) < bit_length(K + i * BYTES)) {
      memcpy(K + i * BYTES, negated, BYTES);
      decaf_255_point_negate(P[i], P[i]);
    }
    unsigned bits = bit_length(K + i * BYTES);
    if (bits > longest) longest = bits;
  }
  if (longest <= SHORT_BITS) {
    decaf_255_point_copy(acc, decaf_255_point_identity);
    for (unsigned bit = longest; bit-- > 0;) {
      decaf_255_point_double(acc, acc);
      for (size_t i = 0; i < n; i++) {
        if ((K[i * BYTES + bit / 8] >> (bit % 8)) & 1) decaf_255_point_add(acc, acc, P[i]);
      }
    }
  } else if (n < VARTIME_MIN_TERMS) {
    decaf_255_point_copy(acc, decaf_255_point_identity);
    for (size_t i = 0; i < n; i += 2) {
      int pair = i + 1 < n;
      add_pair(acc, P[i], K + i * BYTES, pair ? P[i + 1] : NULL, pair ? K + (i + 1) * BYTES : NULL);
    }
  } else {
    bucket_sum(acc, P, K, n, bucket, used, c);
  }
  free(P); free(K); free(bucket); free(used);
  return 1;
}

static napi_value multi_scalar_mul_vartime(napi_env env, napi_callback_info info) {
  ARGS(2);
  const uint8_t *w, *pts;
  size_t n;
  if (!get_terms(env, argv, &w, &pts, &n, "multiScalarMulVartime: weights and points differ in number or are empty")) return NULL;
  decaf_255_point_t acc;
  if (!sum_vartime(env, acc, w, pts, n, "multiScalarMulVartime: not a canonical ristretto255 encoding", "multiScalarMulVartime: out of memory")) return NULL;
  return point_out(env, acc);
}

/*
 * k·(Σ w_i·P_i): the sum in VARIABLE time over PUBLIC weights and points (sum_vartime), then the
 * multiplication by k in CONSTANT time (k may be secret). The client's combine-and-unblind:
 * N[j] = (r_j·D)⁻¹·Σ W_i·Z_i[j], with W_i = D·λ_i the integer Lagrange weights of the answering
 * nodes (public, a few bits), Z_i[j] their answers (public) and r_j its secret blind.
 */
static napi_value mul_sum(napi_env env, napi_callback_info info) {
  ARGS(3);
  BYTES_ARG(0, k, BYTES, "scalar: expected 32 bytes");
  const uint8_t *w, *pts;
  size_t n;
  if (!get_terms(env, argv + 1, &w, &pts, &n, "mulSum: weights and points differ in number or are empty")) return NULL;
  decaf_255_point_t acc;
  if (!sum_vartime(env, acc, w, pts, n, "mulSum: not a canonical ristretto255 encoding", "mulSum: out of memory")) return NULL;
  decaf_255_scalar_t s;
  scalar_in(s, k);
  decaf_255_point_scalarmul(acc, acc, s);
  decaf_255_scalar_destroy(s);
  return point_out(env, acc);
}

/*
 * a·G + b·P in VARIABLE TIME (decaf_255_base_double_scalarmul_non_secret): for public scalars and
 * points only — the DLEQ verifier's s·G + c·pk_i. Never call it with a secret.
 */
static napi_value mul_base_add_vartime(napi_env env, napi_callback_info info) {
  ARGS(3);
  BYTES_ARG(0, a, BYTES, "scalar: expected 32 bytes");
  BYTES_ARG(1, b, BYTES, "scalar: expected 32 bytes");
  BYTES_ARG(2, enc, BYTES, "element: expected 32 bytes");
  decaf_255_point_t p, out;
  decaf_255_scalar_t sa, sb;
  if (!point_in(env, p, enc, "mulBaseAddVartime: not a canonical ristretto255 encoding")) return NULL;
  scalar_in(sa, a);
  scalar_in(sb, b);
  decaf_255_base_double_scalarmul_non_secret(out, sa, p, sb);
  return point_out(env, out);
}

/*
 * RFC 9380 §5.3.1 expand_message_xmd with SHA-512 for len_in_bytes = 64 (ell = 1), including
 * the §5.3.3 rule for a DST longer than 255 bytes.
 */
static void expand_xmd64(uint8_t out[64], const uint8_t *msg, size_t msg_len, const uint8_t *dst, size_t dst_len) {
  static const uint8_t oversize[] = "H2C-OVERSIZE-DST-";
  uint8_t short_dst[64];
  if (dst_len > 255) {
    decaf_sha512_ctx_t c;
    decaf_sha512_init(c);
    decaf_sha512_update(c, oversize, sizeof oversize - 1);
    decaf_sha512_update(c, dst, dst_len);
    decaf_sha512_final(c, short_dst, 64);
    dst = short_dst;
    dst_len = 64;
  }
  const uint8_t dst_len_byte = (uint8_t)dst_len;
  static const uint8_t z_pad[128] = {0};
  const uint8_t tail[3] = {0x00, 0x40, 0x00}; /* I2OSP(64, 2) ‖ I2OSP(0, 1) */
  const uint8_t one = 0x01;
  uint8_t b0[64];
  decaf_sha512_ctx_t c;
  decaf_sha512_init(c);
  decaf_sha512_update(c, z_pad, sizeof z_pad);
  decaf_sha512_update(c, msg, msg_len);
  decaf_sha512_update(c, tail, sizeof tail);
  decaf_sha512_update(c, dst, dst_len);
  decaf_sha512_update(c, &dst_len_byte, 1);
  decaf_sha512_final(c, b0, 64);
  decaf_sha512_init(c);
  decaf_sha512_update(c, b0, 64);
  decaf_sha512_update(c, &one, 1);
  decaf_sha512_update(c, dst, dst_len);
  decaf_sha512_update(c, &dst_len_byte, 1);
  decaf_sha512_final(c, out, 64);
  decaf_bzero(b0, sizeof b0);
}

#define MSG_DST_ARGS \
  ARGS(2); \
  const uint8_t *msg, *dst; \
  size_t msg_len, dst_len; \
  if (!get_bytes(env, argv[0], 0, 0, &msg, &msg_len, "msg: expected a Uint8Array")) return NULL; \
  if (!get_bytes(env, argv[1], 0, 0, &dst, &dst_len, "dst: expected a Uint8Array")) return NULL

/* RFC 9380 hash_to_ristretto255: expand to 64 bytes, then the RFC 9496 §4.3.4 one-way map. */
static napi_value hash_to_group(napi_env env, napi_callback_info info) {
  MSG_DST_ARGS;
  uint8_t uniform[64];
  decaf_255_point_t p;
  expand_xmd64(uniform, msg, msg_len, dst, dst_len);
  decaf_255_point_from_hash_uniform(p, uniform);
  return point_out(env, p);
}

/* RFC 9497 §4.1 HashToScalar: expand to 64 bytes, reduce modulo the order. */
static napi_value hash_to_scalar(napi_env env, napi_callback_info info) {
  MSG_DST_ARGS;
  uint8_t uniform[64];
  decaf_255_scalar_t s;
  expand_xmd64(uniform, msg, msg_len, dst, dst_len);
  decaf_255_scalar_decode_long(s, uniform, 64);
  decaf_bzero(uniform, sizeof uniform);
  return scalar_out(env, s);
}

static napi_value sha512(napi_env env, napi_callback_info info) {
  ARGS(1);
  const uint8_t *msg;
  size_t len;
  if (!get_bytes(env, argv[0], 0, 0, &msg, &len, "msg: expected a Uint8Array")) return NULL;
  uint8_t out[64];
  decaf_sha512_hash(out, 64, msg, len);
  return new_bytes(env, out, 64);
}

static napi_value reduce_wide(napi_env env, napi_callback_info info) {
  ARGS(1);
  BYTES_ARG(0, wide, 64, "reduceWide: expected 64 bytes");
  decaf_255_scalar_t s;
  decaf_255_scalar_decode_long(s, wide, 64);
  return scalar_out(env, s);
}

#define SCALAR_BINOP(fn, op) \
  static napi_value fn(napi_env env, napi_callback_info info) { \
    ARGS(2); \
    BYTES_ARG(0, a, BYTES, "scalar: expected 32 bytes"); \
    BYTES_ARG(1, b, BYTES, "scalar: expected 32 bytes"); \
    decaf_255_scalar_t x, y; \
    scalar_in(x, a); \
    scalar_in(y, b); \
    op(x, x, y); \
    decaf_255_scalar_destroy(y); \
    return scalar_out(env, x); \
  }
SCALAR_BINOP(scalar_add, decaf_255_scalar_add)
SCALAR_BINOP(scalar_sub, decaf_255_scalar_sub)
SCALAR_BINOP(scalar_mul, decaf_255_scalar_mul)

static napi_value scalar_neg(napi_env env, napi_callback_info info) {
  ARGS(1);
  BYTES_ARG(0, a, BYTES, "scalar: expected 32 bytes");
  decaf_255_scalar_t x;
  scalar_in(x, a);
  decaf_255_scalar_sub(x, decaf_255_scalar_zero, x);
  return scalar_out(env, x);
}

/* a⁻¹ (constant time); the caller refuses zero, for which libdecaf returns zero and a failure. */
static napi_value scalar_invert(napi_env env, napi_callback_info info) {
  ARGS(1);
  BYTES_ARG(0, a, BYTES, "scalar: expected 32 bytes");
  decaf_255_scalar_t x;
  scalar_in(x, a);
  if (decaf_255_scalar_invert(x, x) != DECAF_SUCCESS) {
    decaf_255_scalar_destroy(x);
    return throw_error(env, "scalarInvert: scalar is zero");
  }
  return scalar_out(env, x);
}

NAPI_MODULE_INIT() {
  static const struct { const char *name; napi_callback cb; } fns[] = {
    {"isCanonical", is_canonical},
    {"mul", mul},
    {"mulBase", mul_base},
    {"add", add},
    {"sub", sub},
    {"multiScalarMul", multi_scalar_mul},
    {"multiScalarMulVartime", multi_scalar_mul_vartime},
    {"mulSum", mul_sum},
    {"mulBaseAddVartime", mul_base_add_vartime},
    {"hashToGroup", hash_to_group},
    {"hashToScalar", hash_to_scalar},
    {"sha512", sha512},
    {"reduceWide", reduce_wide},
    {"scalarAdd", scalar_add},
    {"scalarSub", scalar_sub},
    {"scalarMul", scalar_mul},
    {"scalarNeg", scalar_neg},
    {"scalarInvert", scalar_invert},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &f) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, f) != napi_ok) return NULL;
  }
  napi_value lib;
  napi_create_string_utf8(env, "libdecaf", NAPI_AUTO_LENGTH, &lib);
  napi_set_named_property(env, exports, "library", lib);
  /* Raised with every change of what a function computes or accepts (crypto/native-addon.ts
   * refuses an addon built from other sources than the code that loads it). */
  napi_value abi;
  napi_create_uint32(env, SPLITKEY_NATIVE_ABI, &abi);
  napi_set_named_property(env, exports, "abi", abi);
  return exports;
}
