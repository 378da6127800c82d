/* SPDX-License-Identifier: MIT */
/* catalog_internal.h - what catalog.c and catalog_claims.c share: the JSON checks, and the claims' loader. */
#ifndef PLAN_CATALOG_INTERNAL_H
#define PLAN_CATALOG_INTERNAL_H

#include "json_read.h"

struct mmr_catalog;
/* catalog_claims.c: the document DOC's claims into CAT, after its families.  0 or -1 with C's error. */
int cat_claims(struct jr *c, const cJSON *doc, struct mmr_catalog *cat);

#endif /* PLAN_CATALOG_INTERNAL_H */
