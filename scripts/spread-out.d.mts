export function spreadOut<T>(list: T[], isApart: (item: T) => boolean): T[];
