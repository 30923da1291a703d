#include <stdio.h>
int main(void) { puts("grokscope"); return 0; }
