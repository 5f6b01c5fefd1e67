#include "inventory.h"

/* Writes "12.34" style text for a price in cents into buf (size n). */
void format_price(long cents, char *buf, unsigned long n);
void print_report(void);
