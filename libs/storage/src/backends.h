// Internal: the two backends behind OpenDatabase.
#pragma once

#include "llmgw/storage/database.h"

namespace llmgw::storage::internal {

absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const std::string& path,
                                                     const DatabaseOptions& options);
absl::StatusOr<std::unique_ptr<Database>> OpenPostgres(const std::string& url,
                                                       const DatabaseOptions& options);

}  // namespace llmgw::storage::internal
