/* fixture: line 2 names a decision the task lacks */
int x = {{NOPE}};
