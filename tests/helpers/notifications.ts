import { expect } from 'vitest';
import type { TestClient } from './client.js';

export interface NotificationPage {
  items: any[];
  nextCursor: string | null;
  unreadCount: number;
}

/** GET /api/notifications (with an optional query such as `?unread=true`), expecting 200. */
export async function notificationsOf(client: TestClient, query = ''): Promise<NotificationPage> {
  const res = await client.get(`/api/notifications${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as NotificationPage;
}

/** GET /api/notifications/unread-count, expecting 200. */
export async function unreadCountOf(client: TestClient): Promise<number> {
  const res = await client.get('/api/notifications/unread-count');
  expect(res.status, res.text).toBe(200);
  return res.body.unreadCount as number;
}

/** The reader's notifications about one topic, newest first. */
export async function aboutTopic(client: TestClient, topicId: number): Promise<any[]> {
  const page = await notificationsOf(client, '?limit=50');
  return page.items.filter((n) => n.topic?.id === topicId);
}

/** Sets a topic's or a category's notification level, expecting 200. */
export async function setTopicLevel(client: TestClient, topicId: number, level: 'watching' | 'normal' | 'muted') {
  const res = await client.put(`/api/topics/${topicId}/notification-level`, { level });
  expect(res.status, res.text).toBe(200);
}

export async function setCategoryLevel(client: TestClient, slug: string, category: string, level: 'watching' | 'normal' | 'muted') {
  const res = await client.put(`/api/communities/${slug}/categories/${category}/notification-level`, { level });
  expect(res.status, res.text).toBe(200);
}
