/**
 * Scaling markers closer than a few pixels drawn as one: several scalings within a few pixels (a 7-day range
 * holds a pixel every ~15 minutes) would be triangles on top of each other, with only the last one hoverable.
 */
import type { OverlayMarker } from './ChartOverlays';

/** Markers whose centres are closer than this (px) to a group's first marker join that group. */
export const MARKER_GROUP_PX = 8;

export interface MarkerGroup {
  /** Where the group's marker is drawn (px from the plot's left): the middle of its members. */
  left: number;
  /** Its scalings, newest first. */
  markers: OverlayMarker[];
}

/** Markers at their x positions (px), in groups of those within `gap` px of each group's first one. */
export function groupMarkers(
  placed: ReadonlyArray<{ marker: OverlayMarker; left: number }>,
  gap = MARKER_GROUP_PX,
): MarkerGroup[] {
  const sorted = [...placed].sort((a, b) => a.left - b.left || a.marker.time - b.marker.time);
  const groups: Array<{ first: number; last: number; members: OverlayMarker[] }> = [];
  for (const { marker, left } of sorted) {
    const group = groups.at(-1);
    if (group !== undefined && left - group.first < gap) {
      group.last = left;
      group.members.push(marker);
    } else {
      groups.push({ first: left, last: left, members: [marker] });
    }
  }
  return groups.map((g) => ({
    left: Math.round((g.first + g.last) / 2),
    markers: g.members.sort((a, b) => b.time - a.time),
  }));
}

/** A group's words: the scaling's own for one, else the count and every scaling's, newest first. */
export function groupTitle(group: MarkerGroup): string {
  const [only] = group.markers;
  return group.markers.length === 1 && only ? only.title : `${group.markers.length} scalings`;
}

/** A group's words for its accessible name: the title and lines of each scaling, after the count for several. */
export function groupWords(group: MarkerGroup): string[] {
  const words = group.markers.flatMap((m) => [m.title, ...m.lines]);
  return group.markers.length === 1 ? words : [groupTitle(group), ...words];
}
