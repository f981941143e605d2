package io.framefarm.protocol;

/** Marker for every message that may cross nodes; bound to {@link FarmSerializer} in reference.conf. */
public interface FarmMessage {}
