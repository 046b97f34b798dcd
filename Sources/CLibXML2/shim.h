#ifndef HIREBASE_CLIBXML2_SHIM_H
#define HIREBASE_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
/* Debian's libxml2 is built with ICU, so <libxml/encoding.h> pulls in ICU's <unicode/ucnv.h>.
   Foundation on Linux ships its own ICU module (_FoundationICU) and Clang then rejects the
   second definition of UErrorCode ("has different definitions in different modules"). The ICU
   part only adds members to xmlCharEncodingHandler, which Swift never touches, so it is hidden. */
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlmemory.h>

/* Frees memory that libxml2 allocated for the caller (xmlGetProp, xmlNodeGetContent, ...).
   `xmlFree` is a mutable C global (a function pointer variable), which Swift 6's strict
   concurrency checking refuses to read; calling it from C sidesteps that. */
static inline void hirebase_xmlFree(void *pointer) {
    xmlFree(pointer);
}

#endif
