import type { Reputation } from './reputation.js';

interface Badge {
  id: string;
  name: string;
  description: string;
  earned: (r: Reputation) => boolean;
}

/** Every badge, in the order profiles list them. Earned from the reputation figures alone, so they can never disagree. */
export const BADGES: readonly Badge[] = [
  { id: 'first_helpful', name: 'First helpful', description: 'Someone marked one of their posts helpful.', earned: (r) => r.helpfulReceived >= 1 },
  { id: 'helpful_25', name: 'Helpful', description: 'Their posts were marked helpful 25 times.', earned: (r) => r.helpfulReceived >= 25 },
  { id: 'helpful_100', name: 'Very helpful', description: 'Their posts were marked helpful 100 times.', earned: (r) => r.helpfulReceived >= 100 },
  { id: 'first_solution', name: 'First solution', description: 'One of their replies was accepted as the answer.', earned: (r) => r.solutions >= 1 },
  { id: 'solutions_10', name: 'Problem solver', description: '10 of their replies were accepted as the answer.', earned: (r) => r.solutions >= 10 },
  { id: 'solutions_50', name: 'Expert', description: '50 of their replies were accepted as the answer.', earned: (r) => r.solutions >= 50 },
  { id: 'helped_10', name: 'Good neighbour', description: 'They helped 10 different people.', earned: (r) => r.peopleHelped >= 10 },
];

export const earnedBadges = (r: Reputation) => BADGES.filter((b) => b.earned(r)).map(({ id, name, description }) => ({ id, name, description }));
