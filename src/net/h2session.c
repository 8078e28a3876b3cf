/* The HTTP/2 client session's setup and output, shared by k6/http and
 * k6/net/grpc (see h2session.h). */
#include "net/h2session.h"

#define H2S_COALESCE 65536

int h2s_open(nghttp2_session **s, const nghttp2_session_callbacks *cb, void *ud, uint32_t max_header_list) {
    if (nghttp2_session_client_new(s, cb, ud)) {
        *s = NULL;
        return -1;
    }
    const nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 4 << 20},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, max_header_list},
    };
    if (nghttp2_submit_settings(*s, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof *iv) ||
        nghttp2_session_set_local_window_size(*s, NGHTTP2_FLAG_NONE, 0, 1 << 30)) {
        nghttp2_session_del(*s);
        *s = NULL;
        return -1;
    }
    return 0;
}

int h2s_send(nghttp2_session *s, buf *out, int (*put)(void *ud, const char *p, size_t n), void *ud, int *ngerr) {
    int rc = H2S_OK;
    for (;;) {
        const uint8_t *p;
        ssize_t n = nghttp2_session_mem_send(s, &p);
        if (n < 0) {
            *ngerr = (int)n;
            rc = H2S_ERR_SESSION;
            break;
        }
        if (put && out->len && (n == 0 || out->len + (size_t)n > H2S_COALESCE)) {
            int bad = put(ud, out->p, out->len);
            buf_clear(out);
            if (bad) return H2S_ERR_PUT;
        }
        if (n == 0) return H2S_OK;
        if (buf_append(out, p, (size_t)n)) {
            rc = H2S_ERR_NOMEM;
            break;
        }
    }
    if (put) buf_clear(out); /* a scratch buffer: empty between calls */
    return rc;
}
