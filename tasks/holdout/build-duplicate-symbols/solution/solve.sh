#!/bin/bash
set -e
cd /app/inventory
cat > include/inventory.h <<'H'
/* Inventory of items in stock. */
#ifndef INVENTORY_H
#define INVENTORY_H

struct item {
    char name[32];
    int quantity;
    long price_cents;
};

extern int item_count;
extern const char *inventory_version;

void add_item(const char *name, int quantity, long price_cents);
const struct item *get_item(int index);
long stock_value(void);

#endif
H
cat > include/report.h <<'H'
#ifndef REPORT_H
#define REPORT_H
#include "inventory.h"

/* Writes "12.34" style text for a price in cents into buf (size n). */
void format_price(long cents, char *buf, unsigned long n);
void print_report(void);

#endif
H
sed -i 's/#include "inventory.h"/#include "inventory.h"\n#include "report.h"\n\nint item_count = 0;\nconst char *inventory_version = "1.3";/' src/inventory.c
make clean && make
