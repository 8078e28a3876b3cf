/* HTML documents for k6/html: a gumbo (HTML5 spec) parse tree flattened
 * into arrays indexed by pre-order position, and a CSS selector engine
 * over them.
 *
 * Nodes are named by their pre-order index: 0 is the document, an index
 * lower than another's comes first in the document, and the descendants of
 * i are exactly the indexes i+1 .. end[i]-1. So the JS side holds plain
 * integers, sorting them gives document order, and a subtree walk is a
 * loop over a range. */
#ifndef C6_HTML_H
#define C6_HTML_H
#include <stdbool.h>
#include <stddef.h>
#include <gumbo.h>
#include "util/buf.h"

enum { HTML_ELEMENT = 1, HTML_TEXT = 3, HTML_COMMENT = 8, HTML_DOCUMENT = 9 };

typedef struct html_doc {
    GumboOutput *out;
    int n;
    GumboNode **node;
    int *parent, *next, *prev, *end; /* -1: none */
    unsigned char *type;             /* HTML_ELEMENT ... */
    const char **tag;                /* lowercase element name, NULL for non-elements */
    char **owned_tags;               /* names of unknown elements (allocated) */
    int nowned;
} html_doc;

html_doc *html_parse(const char *src, size_t len);
void html_free(html_doc *d);

/* Attribute value, NULL when absent (names are lowercase). */
const char *html_attr(const html_doc *d, int i, const char *name);
/* First child / last child, -1 when none. */
int html_first_child(const html_doc *d, int i);
int html_last_child(const html_doc *d, int i);
/* Text of the subtree (text nodes only), appended to b. */
void html_text(const html_doc *d, int i, buf *b);
/* The node's own text: text node data, comment data, "" otherwise. */
const char *html_node_data(const html_doc *d, int i);
/* Markup of the node (outer) or of its children (inner), as Go's html.Render writes it. */
void html_outer(const html_doc *d, int i, buf *b);
void html_inner(const html_doc *d, int i, buf *b);

/* ---- selectors ---- */

typedef struct html_sel html_sel;

/* Compiles a selector group; NULL with a message in err when invalid. */
html_sel *html_sel_compile(const char *src, char *err, size_t errlen);
void html_sel_free(html_sel *s);
bool html_sel_match(const html_sel *s, const html_doc *d, int i);
/* Appends to out (n/cap managed) the descendants of i that match, in document order. */
int html_sel_find(const html_sel *s, const html_doc *d, int i, int **out, int *n, int *cap);

#endif
