// Word-level text helpers for the offline topics provider: tokens, stopwords (English and Russian).

const EN_STOPWORDS = `a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing done down during each even every few for from further get gets got had has
have having he her here hers herself him himself his how however i if in into is it its itself just know let like lot
make many may me might more most much must my myself need no nor not now of off often on once one only or other our ours
ourselves out over own really right said same say says see she should so some something still such take than that the
their theirs them themselves then there these they thing things think this those though through thus to today too two
under until up upon us use used very want was way we well were what when where whether which while who whom why will with
would yes yet you your yours yourself yourselves okay going gonna actually basically example kind sort`;

const RU_STOPWORDS = `а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для до его ее её если
есть еще ещё же за здесь и из или им их к как какая какие какой когда кто ли либо мне может можно мы на над надо наш не него
нее неё нет ни них но ну о об однако он она они оно от очень по под при про раз с сам свой себя со так также такой там те
тем то того тоже той только том тот ту ты у уже хотя чего чей чем что чтобы чуть эта эти это этого этой этом этот эту я
вообще вот значит например просто сейчас сегодня тут потом будет будем будут можем давайте говорим скажем какое каких нам`;

export const STOPWORDS = new Set(`${EN_STOPWORDS} ${RU_STOPWORDS}`.split(/\s+/).filter(Boolean));

/** Lower-case letter runs (any script, with inner hyphens/apostrophes). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/\p{L}+(?:['’-]\p{L}+)*/gu) ?? [];
}

/** A content word worth counting: 3+ letters and not a stopword. */
export function isContentWord(word: string): boolean {
  return word.length >= 3 && !STOPWORDS.has(word);
}

export function capitalize(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

/** Term frequencies of `tokens`. */
export function termCounts(tokens: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

export function cosine(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [term, x] of a) {
    na += x * x;
    const y = b.get(term);
    if (y) dot += x * y;
  }
  for (const y of b.values()) nb += y * y;
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** Highest value first, ties by term, so results never depend on insertion order. */
export function topTerms(scores: ReadonlyMap<string, number>, count: number, exclude: ReadonlySet<string> = new Set()): string[] {
  return [...scores.entries()]
    .filter(([term]) => !exclude.has(term))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, count)
    .map(([term]) => term);
}
