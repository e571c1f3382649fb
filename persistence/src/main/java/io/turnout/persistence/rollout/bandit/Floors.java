package io.turnout.persistence.rollout.bandit;

import io.turnout.protocol.rollout.RoutingTable;
import java.util.List;

/**
 * Shares to basis points with a floor per arm: arms a policy would give less than the floor get
 * exactly the floor, and the others share what is left in proportion to the policy's shares (so
 * a leading arm keeps as much as the floors allow, 95 % of two arms at a 5 % floor). The basis
 * points add up to exactly 10 000, each at least the floor: whole parts first, then one each to the
 * largest remainders (the earlier arm on a tie).
 */
final class Floors {
  private Floors() {}

  static int[] basisPoints(List<Double> shares, int floorBasisPoints) {
    int k = shares.size();
    if ((long) floorBasisPoints * k > RoutingTable.ALL) {
      throw new IllegalArgumentException("a floor of " + floorBasisPoints + " basis points does not fit " + k + " arms");
    }
    double floor = floorBasisPoints;
    double[] value = new double[k];
    boolean[] floored = new boolean[k];
    // Water-filling: at most k rounds, each flooring at least one more arm or ending.
    for (boolean changed = true; changed; ) {
      changed = false;
      double free = RoutingTable.ALL;
      double weight = 0;
      int open = 0;
      for (int i = 0; i < k; i++) {
        if (floored[i]) {
          free -= floor;
        } else {
          weight += Math.max(0, shares.get(i));
          open++;
        }
      }
      for (int i = 0; i < k; i++) {
        if (floored[i]) {
          value[i] = floor;
        } else {
          value[i] = weight > 0 ? free * Math.max(0, shares.get(i)) / weight : free / open;
          if (value[i] < floor) {
            floored[i] = true;
            changed = true;
          }
        }
      }
    }

    int[] points = new int[k];
    int total = 0;
    for (int i = 0; i < k; i++) {
      points[i] = Math.max(floorBasisPoints, (int) Math.floor(value[i] + 1e-9));
      total += points[i];
    }
    while (total < RoutingTable.ALL) {
      int best = -1;
      for (int i = 0; i < k; i++) if (best < 0 || value[i] - points[i] > value[best] - points[best]) best = i;
      points[best]++;
      total++;
    }
    while (total > RoutingTable.ALL) {
      int worst = -1;
      for (int i = 0; i < k; i++) {
        if (points[i] > floorBasisPoints && (worst < 0 || value[i] - points[i] < value[worst] - points[worst])) worst = i;
      }
      points[worst]--;
      total--;
    }
    return points;
  }
}
