package io.framefarm.protocol;

/** What a worker slot actor accepts; the worker node adds its own local commands. */
public interface WorkerCommand {}
