/*
 * tp_tls: SIP over TLS (layer 2, RFC 3261 26.2.1, RFC 5630, RFC 5922).
 *
 * TLS runs over the TCP stream machinery of tp_tcp.c.  OpenSSL never
 * sees the socket: each session has two memory BIOs, one that the bytes
 * read by libuv are written into and one that the bytes OpenSSL wants
 * sent are taken out of, so libuv alone owns the socket and one loop
 * drives every connection.
 *
 * A listener's certificate serves both roles: it is the server
 * certificate of accepted connections and the client certificate of
 * connections made from the listener's realm (mutual TLS, RFC 5630).
 * Its CA file verifies peers.  TLS 1.2 is the least version accepted
 * (RFC 8996 retires 1.0 and 1.1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "sbc/log.h"
#include "tp_int.h"

/* The last queued OpenSSL error as text, or NULL. */
static const char *tp_tls_reason(char *buf, size_t n)
{
	unsigned long e = ERR_peek_last_error();
	const char *r;

	if (!e)
		return NULL;
	r = ERR_reason_error_string(e);
	if (r)
		return r;
	ERR_error_string_n(e, buf, n);
	return buf;
}

static int tp_tls_no_password(char *buf, int size, int rw, void *u)
{
	/* A key that needs a password cannot be loaded unattended. */
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return 0;
}

/*
 * The protocol versions and suites of a context: TLS 1.2 at least (RFC
 * 8996), forward-secret suites by default (RFC 9325 4.2).
 */
static int tp_tls_ctx_suites(SSL_CTX *ctx, const struct tp_lsn *l,
			     const struct tp_tls_cfg *t, char *err,
			     size_t errlen)
{
	const char *ciphers = t->ciphers ? t->ciphers : TP_TLS_DEFAULT_CIPHERS;
	char ebuf[256];

	SSL_CTX_set_min_proto_version(ctx, t->min_version == 13
						   ? TLS1_3_VERSION
						   : TLS1_2_VERSION);
	if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
		snprintf(err, errlen,
			 "listener %s: no usable cipher in tls_ciphers '%s': %s",
			 l->name, ciphers, tp_tls_reason(ebuf, sizeof(ebuf)));
		return -EINVAL;
	}
	if (t->ciphersuites &&
	    SSL_CTX_set_ciphersuites(ctx, t->ciphersuites) != 1) {
		snprintf(err, errlen,
			 "listener %s: no usable suite in tls_ciphersuites "
			 "'%s': %s",
			 l->name, t->ciphersuites,
			 tp_tls_reason(ebuf, sizeof(ebuf)));
		return -EINVAL;
	}
	/* The server's order of preference decides. */
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	return 0;
}

/* Loads the listener's certificate, key and CAs into a new context. */
static int tp_tls_ctx_load(SSL_CTX *ctx, const struct tp_lsn *l,
			   const struct tp_tls_cfg *t, char *err,
			   size_t errlen);

static int tp_tls_ctx_new(const struct tp_lsn *l, const struct tp_tls_cfg *t,
			  SSL_CTX **out, char *err, size_t errlen)
{
	const char *files[3] = { t->cert_file, t->key_file, t->ca_file };
	SSL_CTX *ctx;
	int rc;

	*out = NULL;

	if (!t->cert_file || !t->key_file) {
		snprintf(err, errlen,
			 "listener %s: TLS needs a certificate and a key file",
			 l->name);
		return -EINVAL;
	}
	if (t->verify_client && !t->ca_file) {
		snprintf(err, errlen,
			 "listener %s: verifying clients needs a CA file",
			 l->name);
		return -EINVAL;
	}
	for (unsigned i = 0; i < 3; i++) {
		if (files[i] && access(files[i], R_OK) < 0) {
			int e = errno;

			snprintf(err, errlen, "listener %s: cannot read %s: %s",
				 l->name, files[i], strerror(e));
			return -e;
		}
	}
	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_method());
	if (!ctx)
		return -ENOMEM;
	rc = tp_tls_ctx_suites(ctx, l, t, err, errlen);
	if (rc == 0)
		rc = tp_tls_ctx_load(ctx, l, t, err, errlen);
	ERR_clear_error();
	if (rc < 0) {
		SSL_CTX_free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

static int tp_tls_ctx_load(SSL_CTX *ctx, const struct tp_lsn *l,
			   const struct tp_tls_cfg *t, char *err,
			   size_t errlen)
{
	char ebuf[256];
	EVP_PKEY *key;
	BIO *bio;

	/* Idle connections give their record buffers back. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"sbc", 3);
	if (SSL_CTX_use_certificate_chain_file(ctx, t->cert_file) != 1) {
		snprintf(err, errlen,
			 "listener %s: no certificate in %s: %s", l->name,
			 t->cert_file, tp_tls_reason(ebuf, sizeof(ebuf)));
		return -EINVAL;
	}
	bio = BIO_new_file(t->key_file, "r");
	key = bio ? PEM_read_bio_PrivateKey(bio, NULL, tp_tls_no_password,
					    NULL)
		  : NULL;
	BIO_free(bio);
	if (!key) {
		snprintf(err, errlen,
			 "listener %s: no usable private key in %s: %s",
			 l->name, t->key_file,
			 tp_tls_reason(ebuf, sizeof(ebuf)));
		return -EINVAL;
	}
	if (X509_check_private_key(SSL_CTX_get0_certificate(ctx), key) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1) {
		EVP_PKEY_free(key);
		snprintf(err, errlen,
			 "listener %s: the key in %s does not match the "
			 "certificate in %s",
			 l->name, t->key_file, t->cert_file);
		return -EINVAL;
	}
	EVP_PKEY_free(key);
	if (t->ca_file &&
	    SSL_CTX_load_verify_locations(ctx, t->ca_file, NULL) != 1) {
		snprintf(err, errlen, "listener %s: no CA certificate in %s: %s",
			 l->name, t->ca_file,
			 tp_tls_reason(ebuf, sizeof(ebuf)));
		return -EINVAL;
	}
	if (t->verify_client) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(t->ca_file);

		/* Tell clients which CAs we accept (RFC 8446 4.3.2). */
		if (names)
			SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx,
				   SSL_VERIFY_PEER |
					   SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
				   NULL);
	}
	return 0;
}

static void tp_tls_cfg_free(struct tp_tls_cfg *t)
{
	if (!t)
		return;
	free((char *)t->cert_file);
	free((char *)t->key_file);
	free((char *)t->ca_file);
	free((char *)t->ciphers);
	free((char *)t->ciphersuites);
	free(t);
}

static char *tp_tls_strdup(const char *s, int *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = 1;
	return d;
}

/* A copy of the settings, which tp_tls_reload reads the files by. */
static struct tp_tls_cfg *tp_tls_cfg_dup(const struct tp_tls_cfg *t)
{
	struct tp_tls_cfg *d = calloc(1, sizeof(*d));
	int oom = 0;

	if (!d)
		return NULL;
	*d = *t;
	d->cert_file = tp_tls_strdup(t->cert_file, &oom);
	d->key_file = tp_tls_strdup(t->key_file, &oom);
	d->ca_file = tp_tls_strdup(t->ca_file, &oom);
	d->ciphers = tp_tls_strdup(t->ciphers, &oom);
	d->ciphersuites = tp_tls_strdup(t->ciphersuites, &oom);
	if (oom) {
		tp_tls_cfg_free(d);
		return NULL;
	}
	return d;
}

static int tp_tls_lsn_open(struct tp_lsn *l, const struct tp_lsn_cfg *c,
			   char *err, size_t errlen)
{
	int rc = tp_tls_ctx_new(l, &c->tls, &l->ssl_ctx, err, errlen);

	if (rc == 0) {
		l->tls = tp_tls_cfg_dup(&c->tls);
		rc = l->tls ? 0 : -ENOMEM;
	}
	if (rc == 0)
		rc = tp_stream_lsn_open(l, c, err, errlen);
	/* Without a handle tp.c frees the listener without lsn_close. */
	if (rc < 0 && !l->handle_init) {
		SSL_CTX_free(l->ssl_ctx);
		l->ssl_ctx = NULL;
		tp_tls_cfg_free(l->tls);
		l->tls = NULL;
	}
	return rc;
}

static void tp_tls_lsn_close(struct tp_lsn *l)
{
	/* Sessions hold their own reference to the context. */
	SSL_CTX_free(l->ssl_ctx);
	l->ssl_ctx = NULL;
	tp_tls_cfg_free(l->tls);
	l->tls = NULL;
	tp_stream_lsn_close(l);
}

int tp_tls_reload(struct tp *tp, char *err, size_t errlen)
{
	char why[512];
	int failed = 0;

	if (errlen)
		err[0] = '\0';
	for (struct tp_lsn *l = tp->lsns; l; l = l->next) {
		SSL_CTX *ctx;

		if (l->proto != TP_TLS || !l->tls || !l->ssl_ctx)
			continue;
		why[0] = '\0';
		if (tp_tls_ctx_new(l, l->tls, &ctx, why, sizeof(why)) < 0) {
			log_err("tls: %s; listener %s keeps its certificate",
				why, l->name);
			if (!failed++ && errlen)
				snprintf(err, errlen, "%s", why);
			continue;
		}
		/* Open sessions hold a reference to the old context. */
		SSL_CTX_free(l->ssl_ctx);
		l->ssl_ctx = ctx;
		log_info("tls: listener %s loaded %s", l->name,
			 l->tls->cert_file);
	}
	return failed;
}

/* Hands what OpenSSL wrote to the socket. */
static int tp_tls_flush(struct tp_conn *c)
{
	BIO *wb = SSL_get_wbio(c->ssl);
	char *p;
	long n = BIO_get_mem_data(wb, &p);
	int rc;

	if (n <= 0)
		return 0;
	rc = tp_stream_write_raw(c, p, (size_t)n);
	(void)BIO_reset(wb);
	return rc;
}

/*
 * A TLS failure: say why, count it, and close.  A certificate that
 * failed verification is -EACCES, anything else -EPROTO.
 */
static void tp_tls_fail(struct tp_conn *c, const char *what, int sslerr)
{
	long vr = SSL_get_verify_result(c->ssl);
	char ebuf[256], a[64];
	const char *why;
	int err = -EPROTO;

	if ((SSL_get_verify_mode(c->ssl) & SSL_VERIFY_PEER) &&
	    vr != X509_V_OK) {
		why = X509_verify_cert_error_string(vr);
		err = -EACCES;
	} else if (!(why = tp_tls_reason(ebuf, sizeof(ebuf)))) {
		why = sslerr == SSL_ERROR_SYSCALL
			      ? "the peer closed the connection"
			      : "protocol error";
	}
	log_warn("tls: %s with %s failed: %s", what,
		 tp_addr_fmt((const struct sockaddr *)&c->peer, a, sizeof(a)),
		 why);
	ERR_clear_error();
	c->tp->st.tls_failures++;
	tp_conn_close(c, err, 1);
}

static void tp_tls_handshake(struct tp_conn *c)
{
	const char *name;
	int r, e, rc;

	ERR_clear_error();
	r = SSL_do_handshake(c->ssl);
	/* Alerts go out too, so that the peer learns why. */
	rc = tp_tls_flush(c);
	if (r == 1) {
		if (rc < 0) {
			tp_conn_close(c, rc, 1);
			return;
		}
		if (!c->outgoing) {
			/* RFC 6066 3: the name the client asked for. */
			name = SSL_get_servername(c->ssl,
						  TLSEXT_NAMETYPE_host_name);
			if (name)
				c->sni = strdup(name);
		}
		log_debug("tls: %s with %s %s", SSL_get_version(c->ssl),
			  SSL_get_cipher_name(c->ssl),
			  c->outgoing ? "connected" : "accepted");
		tp_stream_ready(c);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ && rc == 0)
		return;
	if (e == SSL_ERROR_WANT_READ)
		tp_conn_close(c, rc, 1);
	else
		tp_tls_fail(c, "handshake", e);
}

static int tp_tls_is_ip(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* The client side: SNI and what the server's certificate must show. */
static int tp_tls_client_setup(struct tp_conn *c)
{
	X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
	const struct sockaddr *sa = (const struct sockaddr *)&c->peer;
	char ip[INET6_ADDRSTRLEN];
	int ok = 1;

	SSL_set_connect_state(c->ssl);
	/* RFC 6066 3: a host name only, never an address literal. */
	if (c->name && !tp_tls_is_ip(c->name))
		ok = SSL_set_tlsext_host_name(c->ssl, c->name);
	if (!c->verify) {
		SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
		return ok ? 0 : -ENOMEM;
	}
	SSL_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
	/*
	 * RFC 5922: the certificate must name the domain we meant.  With
	 * no name given, it must carry the address we connected to, so that
	 * any certificate of the CA does not pass for every server.
	 */
	if (c->name && !tp_tls_is_ip(c->name)) {
		ok = ok && SSL_set1_host(c->ssl, c->name);
	} else if (c->name) {
		ok = ok && X509_VERIFY_PARAM_set1_ip_asc(vp, c->name);
	} else {
		if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)sa)->sin6_addr,
				  ip, sizeof(ip));
		else
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)sa)->sin_addr,
				  ip, sizeof(ip));
		ok = ok && X509_VERIFY_PARAM_set1_ip_asc(vp, ip);
	}
	return ok ? 0 : -ENOMEM;
}

static int tp_tls_conn_start(struct tp_conn *c)
{
	BIO *rb, *wb;
	int rc;

	ERR_clear_error();
	c->ssl = SSL_new(c->lsn->ssl_ctx);
	rb = BIO_new(BIO_s_mem());
	wb = BIO_new(BIO_s_mem());
	if (!c->ssl || !rb || !wb) {
		BIO_free(rb);
		BIO_free(wb);
		return -ENOMEM;
	}
	/* An empty read BIO means "wait for more", not end of stream. */
	BIO_set_mem_eof_return(rb, -1);
	BIO_set_mem_eof_return(wb, -1);
	SSL_set_bio(c->ssl, rb, wb);
	c->state = TP_CONN_HANDSHAKE;
	if (!c->outgoing) {
		SSL_set_accept_state(c->ssl);
		return 0;
	}
	rc = tp_tls_client_setup(c);
	if (rc < 0)
		return rc;
	/* The ClientHello goes out now. */
	tp_tls_handshake(c);
	return 0;
}

static void tp_tls_conn_input(struct tp_conn *c, const char *p, size_t len)
{
	struct tp *tp = c->tp;
	int r, e, rc;

	if (BIO_write(SSL_get_rbio(c->ssl), p, (int)len) != (int)len) {
		tp_conn_close(c, -ENOMEM, 0);
		return;
	}
	if (c->state == TP_CONN_HANDSHAKE)
		tp_tls_handshake(c);
	while (c->state == TP_CONN_OPEN) {
		ERR_clear_error();
		r = SSL_read(c->ssl, tp->plain, sizeof(tp->plain));
		if (r > 0) {
			tp_stream_frame(c, tp->plain, (size_t)r);
			continue;
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			break;
		if (e == SSL_ERROR_ZERO_RETURN) {
			/* close_notify: the peer is done; answer in kind. */
			SSL_shutdown(c->ssl);
			tp_tls_flush(c);
			tp_conn_close(c, -ECONNRESET, 0);
			return;
		}
		tp_tls_fail(c, "read", e);
		return;
	}
	/* Reading may have produced records to send (a key update). */
	if (c->state == TP_CONN_OPEN) {
		rc = tp_tls_flush(c);
		if (rc < 0)
			tp_conn_close(c, rc, 1);
	}
}

static int tp_tls_conn_write(struct tp_conn *c, const void *p, size_t len)
{
	int r;

	ERR_clear_error();
	r = SSL_write(c->ssl, p, (int)len);
	if (r <= 0) {
		char ebuf[256];
		const char *why = tp_tls_reason(ebuf, sizeof(ebuf));

		log_warn("tls: write failed: %s", why ? why : "unknown");
		ERR_clear_error();
		return -EPROTO;
	}
	/* A memory BIO takes everything: the write is whole. */
	return tp_tls_flush(c);
}

static void tp_tls_conn_free(struct tp_conn *c)
{
	SSL_free(c->ssl);
	c->ssl = NULL;
}

const struct tp_ops tp_tls_ops = {
	.proto = TP_TLS,
	.lsn_open = tp_tls_lsn_open,
	.lsn_close = tp_tls_lsn_close,
	.send = tp_stream_send,
	.conn_start = tp_tls_conn_start,
	.conn_input = tp_tls_conn_input,
	.conn_write = tp_tls_conn_write,
	.conn_free = tp_tls_conn_free,
};
