package io.turnout.persistence.rollout.bandit;

/** The arm that has clearly won a bandit, and the evidence: the cause of the promotion or rollback. */
public record Winner(long version, String evidence) {}
