package io.framefarm.coordinator.api;

import io.framefarm.coordinator.history.JobHistory;
import io.framefarm.coordinator.history.JobHistory.Cursor;
import io.framefarm.protocol.JobApi.JobStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Pages of {@code GET /api/v1/jobs}, newest submission first: the job manager's live jobs merged with
 * the finished jobs in the history. The cursor is opaque to clients and names the last job shown.
 */
final class JobPages {
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;

  /** One page and the cursor of the next (null when this is the last). */
  record Page(List<JobStatus> jobs, String next) {}

  private static final Comparator<JobStatus> NEWEST_FIRST = Comparator
      .comparingLong(JobStatus::submittedAtMillis).thenComparing(JobStatus::id).reversed();

  private final JobHistory history;

  JobPages(JobHistory history) {
    this.history = history;
  }

  /** {@code live}: every job in the job manager's live state; {@code after}: a cursor from an earlier page, or null. */
  CompletionStage<Page> page(List<JobStatus> live, String after, int limit) {
    Cursor cursor = after == null ? null : decode(after);
    List<JobStatus> liveAfter = live.stream().filter(j -> cursor == null || isAfter(j, cursor))
        .sorted(NEWEST_FIRST).limit(limit + 1L).toList();
    return history.page(cursor, limit + 1).thenApply(archived -> {
      Map<String, JobStatus> merged = new LinkedHashMap<>();
      liveAfter.forEach(j -> merged.put(j.id(), j));
      archived.forEach(j -> merged.putIfAbsent(j.id(), j.summary())); // archived while listed: keep the live one
      List<JobStatus> all = new ArrayList<>(merged.values());
      all.sort(NEWEST_FIRST);
      boolean more = all.size() > limit || archived.size() > limit;
      List<JobStatus> page = all.subList(0, Math.min(limit, all.size()));
      String next = more && !page.isEmpty() ? encode(page.get(page.size() - 1)) : null;
      return new Page(List.copyOf(page), next);
    });
  }

  private static boolean isAfter(JobStatus job, Cursor cursor) {
    return job.submittedAtMillis() < cursor.submittedAtMillis()
        || (job.submittedAtMillis() == cursor.submittedAtMillis() && job.id().compareTo(cursor.jobId()) < 0);
  }

  static String encode(JobStatus last) {
    String raw = last.submittedAtMillis() + ":" + last.id();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** The cursor in {@code token}; an {@link InvalidJobException}-like 400 when it is not one of ours. */
  static Cursor decode(String token) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      int colon = raw.indexOf(':');
      return new Cursor(Long.parseLong(raw.substring(0, colon)), raw.substring(colon + 1));
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new InvalidJobException("'after' is not a cursor from an earlier page of /api/v1/jobs");
    }
  }
}
